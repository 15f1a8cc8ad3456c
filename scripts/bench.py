#!/usr/bin/env python3
"""`make bench`: latency, throughput and memory of the assistant, measured in one run against
real servers started here (Rasa + action server on free ports, SQLite tracker store).
Writes out/bench/assistant.json (and, via bench_matrix.py / bench_edge.py with the same Rasa,
out/bench/matrix.json and out/bench/edge.json). Numbers on shared 2-core machines are noisy: compare the
ratios inside one run rather than absolute values across runs."""
from __future__ import annotations

import concurrent.futures as cf
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from scripts import servers

QUESTIONS = ["berapa biaya bikin sim c baru", "syarat skck apa aja", "nomor darurat polisi",
             "pasal pencurian motor", "halo min", "berapa gaji kapolres"]


def rss_mb(pid: int) -> float:
    total = 0
    for p in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return round(total / 1024, 1)


def pct(values, q):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def timed(fn, n):
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return {"n": n, "p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95),
            "mean_ms": round(statistics.mean(times) * 1000, 1)}


def main() -> None:
    out_dir = servers.ROOT / "out" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    stack = servers.Stack(run_dir / "logs")
    model = servers.current_model()
    result: dict = {"model": model.name, "model_size_mb": round(model.stat().st_size / 2**20, 1)}
    try:
        t = time.perf_counter()
        ap = servers.free_port()
        endpoints = servers.write_endpoints(run_dir / "endpoints.yml", f"http://127.0.0.1:{ap}",
                                            tracker_db=run_dir / "tracker.db")
        rasa, _ = servers.start_assistant(stack, servers.free_port(), ap, endpoints, model)
        result["startup_to_ready_s"] = round(time.perf_counter() - t, 1)
        s = requests.Session()
        print("==> /model/parse latency", flush=True)
        result["parse"] = timed(lambda i: s.post(servers.with_token(f"{rasa}/model/parse"),
                                                 json={"text": QUESTIONS[i % len(QUESTIONS)]}), 100)
        print("==> REST webhook latency (sequential, through the action server)", flush=True)
        result["webhook_sequential"] = timed(lambda i: s.post(
            f"{rasa}/webhooks/rest/webhook",
            json={"sender": f"bench-{i % 10}", "message": QUESTIONS[i % len(QUESTIONS)]}), 100)
        print("==> REST webhook throughput, 200 messages at concurrency 10", flush=True)
        t = time.perf_counter()
        with cf.ThreadPoolExecutor(10) as pool:
            lat = list(pool.map(lambda i: _one(rasa, i), range(200)))
        wall = time.perf_counter() - t
        result["webhook_concurrent"] = {"n": 200, "concurrency": 10, "msgs_per_s": round(200 / wall, 1),
                                        "p50_ms": pct(lat, 0.5), "p95_ms": pct(lat, 0.95)}
        pids = {name: p.pid for name, p in stack.procs}
        result["rss_mb"] = {name: rss_mb(pid) for name, pid in pids.items()}
        result["ratios"] = {
            "webhook_p50_over_parse_p50": round(result["webhook_sequential"]["p50_ms"]
                                                / result["parse"]["p50_ms"], 2)}
        if (servers.ROOT / "scripts" / "bench_matrix.py").exists():  # uses this Rasa for Q&A latency
            print("==> Matrix: reply latency in a room, bulletin fan-out to 100 rooms", flush=True)
            subprocess.run([str(servers.VENV / "bridge" / "bin" / "python"), "-m", "scripts.bench_matrix"],
                           cwd=servers.ROOT, env={**os.environ, "RASA_URL": rasa,
                                                  "RASA_TOKEN": servers.rasa_token()}, check=False)
        print("==> operator dashboard: page weight and load time with 5,000 reports", flush=True)
        subprocess.run([str(servers.VENV / "bridge" / "bin" / "python"), "-m", "scripts.bench_dashboard"],
                       cwd=servers.ROOT, check=False)
        print("==> edge: socket.io through the edge vs direct, edge memory", flush=True)
        subprocess.run([sys.executable, "-m", "scripts.bench_edge"], cwd=servers.ROOT,
                       env={**os.environ, "RASA_URL": rasa, "RASA_TOKEN": servers.rasa_token()}, check=False)
        last = servers.ROOT / "models" / "last-train.json"
        if last.exists():
            result["last_training"] = json.loads(last.read_text())
    finally:
        stack.stop()
    (out_dir / "assistant.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(f"==> written to {out_dir / 'assistant.json'}")
    subprocess.run([sys.executable, "-m", "scripts.bench_workers"], cwd=servers.ROOT, check=False)  # workers


def _one(rasa: str, i: int) -> float:
    t = time.perf_counter()
    requests.post(f"{rasa}/webhooks/rest/webhook",
                  json={"sender": f"conc-{uuid.uuid4().hex}", "message": QUESTIONS[i % len(QUESTIONS)]},
                  timeout=120)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
