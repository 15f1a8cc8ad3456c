#!/usr/bin/env python3
"""Matrix benchmarks (from the repository root: .venv/bridge/bin/python -m scripts.bench_matrix [--n 50]):

- question -> reply latency in a community room, p50/p95 over N: through Rasa (when RASA_URL is
  set and answers) and the bridge-only command path (`!status`, no Rasa), each measured from the
  client's send to the bot's reply arriving at the client by /sync;
- time to fan out one bulletin to 100 rooms (bot sends, stable txn ids, 10 concurrent) until
  the last room's message arrived at a listening member.

Starts its own temporary Synapse (test profile) and runs the bridge in-process. Prints and writes
JSON to out/bench/matrix.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from devtools.matrix_user import MxUser
from devtools.net import free_port
from matrix_bridge import synapse_ctl
from matrix_bridge.config import Config
from var_layout import ROOT


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))
    return round(s[k], 1)


def rasa_ok(url: str | None) -> bool:
    if not url:
        return False
    try:
        token = os.environ.get("RASA_TOKEN", "")  # bench.py passes its Rasa's --auth-token
        with urllib.request.urlopen(url.rstrip("/") + f"/status?token={token}", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


async def roundtrip(user: MxUser, room_id: str, bot_id: str, text: str, extra: dict | None = None) -> float:
    m = user.mark()
    t0 = time.perf_counter()
    await user.send(room_id, {"msgtype": "m.text", "body": text, **(extra or {})})
    await user.wait_bot_text(room_id, bot_id, "", start=m, timeout=120)
    return (time.perf_counter() - t0) * 1000


async def bench(n: int, rooms: int, rasa_url: str | None) -> dict:
    from matrix_bridge.provision import provision
    from matrix_bridge.service import BridgeService
    from reports.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="bench-matrix-"))
    port = free_port()
    syn = tmp / "synapse"
    synapse_ctl.generate(syn, "polres.localhost", port, "test")
    proc = synapse_ctl.spawn(syn)
    url = f"http://127.0.0.1:{port}"
    result: dict = {"n": n, "rooms": rooms, "machine": platform.platform(), "cpus": os.cpu_count()}
    try:
        synapse_ctl.wait_health(url, 120, proc)
        secret = synapse_ctl.shared_secret(syn)
        cfg = Config(homeserver=url, server_name="polres.localhost", state_dir=tmp / "bridge",
                     reports_port=free_port(), reports_token="bench-token-0123456789abcdef",
                     rasa_url=rasa_url or "http://127.0.0.1:9", flood_questions=10_000)
        rec = await provision(cfg, secret, operators=["operator"], community=["ojol-batang"],
                              log=lambda *_: None)
        cfg.bot_password = rec["bot_password"]
        svc = BridgeService(cfg, store=open_store(f"sqlite:///{tmp / 'reports.db'}"), scheduler=False)
        await svc.start()
        await svc.wait_synced()
        bot_id = cfg.bot_user_id
        ojol = rec["rooms"]["#ojol-batang:polres.localhost"]
        synapse_ctl.register_user(url, secret, "benchuser", "bench-pass-123")
        u = await MxUser(url, "@benchuser:polres.localhost", "bench-pass-123").login()
        await u.join(ojol)

        # Bridge-only path
        lat = [await roundtrip(u, ojol, bot_id, f"!status LK-2030-{i:06d}") for i in range(n)]
        result["command_reply_ms"] = {"p50": pct(lat, 50), "p95": pct(lat, 95),
                                      "mean": round(statistics.mean(lat), 1)}
        # Through Rasa
        if rasa_ok(rasa_url):
            questions = ["berapa biaya SIM C baru?", "apa syarat membuat SKCK?",
                         "nomor darurat polisi berapa?", "cara perpanjang SIM A?",
                         "apa itu tilang elektronik?"]
            mention = {"m.mentions": {"user_ids": [bot_id]}}
            await roundtrip(u, ojol, bot_id, f"{bot_id}: halo", mention)  # warm-up
            lat = [await roundtrip(u, ojol, bot_id, f"{bot_id}: {questions[i % len(questions)]}", mention)
                   for i in range(n)]
            result["qa_reply_ms"] = {"p50": pct(lat, 50), "p95": pct(lat, 95),
                                     "mean": round(statistics.mean(lat), 1), "rasa_url": rasa_url}
        else:
            result["qa_reply_ms"] = None
            result["qa_note"] = "RASA_URL not set or not answering: Q&A latency not measured"

        # Fan-out of one bulletin to `rooms` rooms
        from nio import RoomPreset
        room_ids = []
        t0 = time.perf_counter()
        for i in range(rooms):
            r = await svc.bot.client.room_create(name=f"Bench {i}", preset=RoomPreset.public_chat)
            room_ids.append(r.room_id)
        result["room_create_s"] = round(time.perf_counter() - t0, 2)
        for rid in room_ids:
            await u.join(rid)
        await u.pump(0)
        m = u.mark()
        t0 = time.perf_counter()
        ok = await svc.bulletins.fan_out("📢 Siaran uji fan-out", room_ids, "bench-fanout")
        t_sent = time.perf_counter() - t0
        seen: set[str] = set()
        while len(seen) < rooms and time.perf_counter() - t0 < 120:
            await u.pump(1000)
            seen = {r for r, e in u.events[m:] if e.get("sender") == bot_id and "uji fan-out" in
                    (e.get("content") or {}).get("body", "")}
        result["fanout"] = {"rooms": rooms, "all_sent": ok, "send_s": round(t_sent, 2),
                            "delivered_s": round(time.perf_counter() - t0, 2), "delivered_rooms": len(seen)}
        await u.close()
        await svc.stop()
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", "50")))
    p.add_argument("--rooms", type=int, default=100)
    p.add_argument("--out", default=str(ROOT / "out" / "bench" / "matrix.json"))
    a = p.parse_args()
    res = asyncio.run(bench(a.n, a.rooms, os.environ.get("RASA_URL")))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(res, indent=2, ensure_ascii=False))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
