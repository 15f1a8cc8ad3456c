#!/usr/bin/env python3
"""What one custom-action call costs Rasa's side, with Rasa's own `EndpointConfig.request` (a new
aiohttp session and TCP connection per call) and with the kept-alive session of
channels/keepalive.py (docs/performance.md). Rasa venv, from the repository root:

    .venv/rasa/bin/python -m scripts.profile_action_call [--blocks 12] [--calls 50]

Starts a real action server, then runs Rasa's `RemoteAction.run` (with channels/faults.py's
wrapper, as `rasa run` does) for action_jawab_topik in this process: blocks of --calls calls,
Rasa's request and the kept session taking turns (ABBA). Per call: this process's CPU time
(time.process_time, which the machine's other load hardly moves) and the wall time (which it
does). Prints per-block figures and medians; writes out/perf/action_call.json (or --out).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from channels import faults, keepalive
from scripts import servers


async def _block(n: int, endpoint: EndpointConfig, domain: Domain, tracker: DialogueStateTracker) -> tuple:
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        action = RemoteAction("action_jawab_topik", endpoint)
        await action.run(CollectingOutputChannel(), nlg, tracker, domain)
    return (round((time.process_time() - cpu) / n * 1000, 3),
            round((time.perf_counter() - wall) / n * 1000, 3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=12)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--out", type=Path, default=servers.ROOT / "out" / "perf" / "action_call.json")
    args = ap.parse_args()
    faults.install()
    keepalive.install()
    domain = Domain.load(str(servers.ROOT / "rasa_project" / "domain"))
    tracker = DialogueStateTracker.from_events("profile", [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("berapa biaya skck", {"name": "skck_biaya", "confidence": 1.0})], domain.slots)
    stack = servers.Stack(Path(tempfile.mkdtemp(prefix="perf-call-")) / "logs")
    port = servers.free_port()
    result: dict = {"rasa_request": {"cpu_ms": [], "wall_ms": []}, "kept": {"cpu_ms": [], "wall_ms": []}}
    sides = {"rasa_request": keepalive._RASA_REQUEST, "kept": keepalive.request}

    async def run() -> None:
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook")
        await _block(20, endpoint, domain, tracker)  # warm-up
        for i in range(args.blocks):
            for side in (("rasa_request", "kept") if i % 2 == 0 else ("kept", "rasa_request")):
                EndpointConfig.request = sides[side]  # type: ignore[method-assign]
                cpu, wall = await _block(args.calls, endpoint, domain, tracker)
                result[side]["cpu_ms"].append(cpu)
                result[side]["wall_ms"].append(wall)
                print(side, cpu, wall, flush=True)
        EndpointConfig.request = keepalive.request  # type: ignore[method-assign]
        await keepalive.close_all()

    try:
        servers.start_actions(stack, port)
        asyncio.run(run())
    finally:
        stack.stop()
    for side in sides:
        result[side]["median_cpu_ms"] = round(statistics.median(result[side]["cpu_ms"]), 3)
        result[side]["median_wall_ms"] = round(statistics.median(result[side]["wall_ms"]), 3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({s: {k: v for k, v in r.items() if k.startswith("median")} for s, r in result.items()}))


if __name__ == "__main__":
    main()
