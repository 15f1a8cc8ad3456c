"""python -m matrix_bridge [--config FILE]: run the Kamtibmas bridge service."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from privacy import logs as privacy_logs

from .config import load_config
from .service import BridgeService


async def _amain(cfg) -> None:
    svc = BridgeService(cfg)
    await svc.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger("matrix_bridge").info("bridge running as %s on %s", cfg.bot_user_id, cfg.homeserver)
    done = asyncio.create_task(stop.wait())
    await asyncio.wait([done, svc.sync_task], return_when=asyncio.FIRST_COMPLETED)
    await svc.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m matrix_bridge")
    p.add_argument("--config", default=None, help="YAML config file (see docs/matrix.md)")
    p.add_argument("--log-level", default="INFO")
    a = p.parse_args(argv)
    logging.basicConfig(level=a.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    privacy_logs.install()  # mask NIK, phone, e-mail, status codes (privacy/logs.py)
    logging.getLogger("nio").setLevel(logging.WARNING)
    logging.getLogger("nio.responses").setLevel(logging.CRITICAL)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    cfg = load_config(a.config)
    try:
        asyncio.run(_amain(cfg))
    except RuntimeError as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
