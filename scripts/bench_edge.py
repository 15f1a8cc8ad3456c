#!/usr/bin/env python3
"""`make bench` (called by scripts/bench.py with its running Rasa): what the edge costs.

- socket.io message latency (user_uttered -> first bot_uttered, WebSocket transport) through the
  edge vs. straight to Rasa, interleaved in one run (ABBA order) so both see the same load;
- per-request overhead on a small static file (/config.json) through the edge vs. the web chat
  server directly;
- the edge's memory (VmRSS of the caddy process) idle and after the run.
Needs RASA_URL and RASA_TOKEN (the running Rasa). Writes out/bench/edge.json. Runs under .venv/rasa
(python-socketio 5.9 + aiohttp)."""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import socketio

from scripts import servers

QUESTIONS = ["berapa biaya skck", "syarat sim c baru apa saja", "nomor darurat polisi",
             "pasal pencurian motor", "cara perpanjang sim a", "apa itu tilang elektronik"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def stats(ms: list[float]) -> dict:
    s = sorted(ms)
    return {"n": len(s), "p50_ms": round(statistics.median(s), 1),
            "p95_ms": round(s[min(len(s) - 1, int(0.95 * len(s)))], 1),
            "mean_ms": round(statistics.mean(s), 1)}


class Chat:
    """One widget-like socket.io session (WebSocket transport)."""

    def __init__(self, base: str):
        self.base, self.session = base, f"bench-edge-{uuid.uuid4().hex[:12]}"
        self.sio = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", lambda data: self.inbox.put_nowait(time.perf_counter()))
        self.sio.on("session_confirm", lambda data: self.inbox.put_nowait("confirmed"))

    async def open(self) -> "Chat":
        await self.sio.connect(self.base, socketio_path="/socket.io", transports=["websocket"])
        await self.sio.emit("session_request", {"session_id": self.session})
        assert await asyncio.wait_for(self.inbox.get(), 30) == "confirmed"
        return self

    async def ask(self, text: str) -> float:
        """ms from sending to the first reply; then waits until the turn's replies have settled."""
        while not self.inbox.empty():
            self.inbox.get_nowait()
        t0 = time.perf_counter()
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session})
        first = await asyncio.wait_for(self.inbox.get(), 120)
        while True:  # drain the rest of this turn (several bot messages per answer)
            try:
                await asyncio.wait_for(self.inbox.get(), 0.3)
            except asyncio.TimeoutError:
                break
        return (first - t0) * 1000


async def socketio_latency(rasa_url: str, edge_url: str, n: int) -> dict:
    direct, edge = await Chat(rasa_url).open(), await Chat(edge_url).open()
    try:
        await direct.ask("halo"), await edge.ask("halo")  # warm-up
        lat = {"direct": [], "edge": []}
        for i in range(n):
            q = QUESTIONS[i % len(QUESTIONS)]
            order = ((("direct", direct), ("edge", edge)) if i % 2 == 0
                     else (("edge", edge), ("direct", direct)))
            for name, chat in order:
                lat[name].append(await chat.ask(q))
    finally:
        await direct.sio.disconnect()
        await edge.sio.disconnect()
    d, e = stats(lat["direct"]), stats(lat["edge"])
    return {"direct": d, "through_edge": e,
            "added_p50_ms": round(e["p50_ms"] - d["p50_ms"], 1),
            "added_mean_ms": round(e["mean_ms"] - d["mean_ms"], 1)}


def static_overhead(webchat_url: str, edge_url: str, n: int) -> dict:
    def once(url: str) -> float:
        t0 = time.perf_counter()
        with urllib.request.urlopen(url, timeout=10) as r:
            r.read()
        return (time.perf_counter() - t0) * 1000

    lat = {"direct": [], "edge": []}
    for _ in range(n):
        lat["direct"].append(once(webchat_url + "/config.json"))
        lat["edge"].append(once(edge_url + "/config.json"))
    d, e = stats(lat["direct"]), stats(lat["edge"])
    return {"direct": d, "through_edge": e, "added_p50_ms": round(e["p50_ms"] - d["p50_ms"], 2)}


def main() -> int:
    rasa_url, token = os.environ.get("RASA_URL"), os.environ.get("RASA_TOKEN")
    if not (rasa_url and token):
        print("bench_edge: needs RASA_URL and RASA_TOKEN (scripts/bench.py passes them)", file=sys.stderr)
        return 2
    n = int(os.environ.get("BENCH_EDGE_N", "40"))
    run_dir = Path(tempfile.mkdtemp(prefix="bench-edge-"))
    stack = servers.Stack(run_dir / "logs")
    result: dict = {}
    try:
        webchat = servers.start_webchat(stack, servers.free_port(), rasa_url, token)
        edge = servers.start_edge(stack, servers.free_port(), webchat, rasa_url, "http://127.0.0.1:9",
                                  run_dir / "edge")
        caddy_pid = dict((name, p.pid) for name, p in stack.procs)["edge"]
        result["edge"] = {"server": "caddy (Debian package)", "rss_mb_idle": rss_mb(caddy_pid)}
        print(f"==> edge: socket.io latency, {n} messages each way (interleaved)", flush=True)
        result["socketio_message"] = asyncio.run(socketio_latency(rasa_url, edge, n))
        print("==> edge: static request overhead (/config.json, 200 requests each way)", flush=True)
        result["static_request"] = static_overhead(webchat, edge, 200)
        result["edge"]["rss_mb_after"] = rss_mb(caddy_pid)
    finally:
        stack.stop()
    out = servers.ROOT / "out" / "bench" / "edge.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(f"==> written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
