"""`python -m dashboard`: the operator dashboard on 127.0.0.1:${DASHBOARD_PORT:-8091}/operator/."""
from __future__ import annotations

import argparse
import logging

from aiohttp import web

from privacy import logs as privacy_logs
from reports.store import open_store

from . import config
from .app import make_app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, help="overrides DASHBOARD_PORT")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    privacy_logs.install()  # mask NIK, phone, e-mail, status codes (privacy/logs.py)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    settings = config.load(**({"port": args.port} if args.port else {}))
    store = open_store(settings.db_url)
    app = make_app(store, settings)
    print(f"Dasbor operator: http://{settings.host}:{settings.port}/operator/ "
          f"(Matrix {settings.homeserver}, ruang {settings.operator_alias})", flush=True)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    finally:
        store.close()


if __name__ == "__main__":
    main()
