#!/usr/bin/env python3
"""Throughput and memory of 1, 2 and 4 Rasa workers (`WORKERS=N make run`), in one run, written to
out/bench/workers.json. Called at the end of `make bench` (scripts/bench.py) or on its own:

    .venv/rasa/bin/python -m scripts.bench_workers [--workers 1,2,4] [--messages 200] [--stock]

One redis-server (tracker + lock store) and one action server serve every configuration; each
configuration starts its own Rasa on the current model (scripts/train.sh --path, or RASA_MODEL),
warms it up, then sends `--messages` REST webhook messages (each from a new sender, the project's
usual questions) at concurrency 10 and at concurrency 20 and stops it again. Memory comes from
/proc/<pid>/smaps_rollup of the main process and of every worker after the load: RSS, PSS (shared
pages divided among the processes sharing them) and USS (private pages: what the process alone
holds). `--stock` also measures plain `rasa run` with SANIC_WORKERS (every worker loads its own
model) for the worker counts above 1: the "before" of scripts/rasa_workers.py.
Numbers on a shared 2-core machine are noisy: the load average is written next to each figure.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import requests

from devtools.net import free_port
from scripts import redis_server, servers

QUESTIONS = ["berapa biaya bikin sim c baru", "syarat skck apa aja", "nomor darurat polisi",
             "pasal pencurian motor", "halo min", "berapa gaji kapolres"]
SMAPS_KEYS = ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Shared_Clean", "Shared_Dirty")


def smaps_mb(pid: int) -> dict:
    """RSS, PSS and USS (Private_Clean + Private_Dirty) of one process in MB."""
    kb = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in SMAPS_KEYS:
            kb[key] = int(rest.split()[0])
    return {"rss_mb": round(kb["Rss"] / 1024, 1), "pss_mb": round(kb["Pss"] / 1024, 1),
            "uss_mb": round((kb["Private_Clean"] + kb["Private_Dirty"]) / 1024, 1),
            "shared_mb": round((kb["Shared_Clean"] + kb["Shared_Dirty"]) / 1024, 1)}


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def memory(main_pid: int) -> dict:
    """The main process and its workers (none when one process serves)."""
    main = smaps_mb(main_pid)
    workers = [smaps_mb(pid) for pid in children(main_pid)]
    every = [main, *workers]
    serving = workers or [main]
    return {"main": main, "workers": workers,
            "total_rss_mb": round(sum(m["rss_mb"] for m in every), 1),
            "total_pss_mb": round(sum(m["pss_mb"] for m in every), 1),
            "per_worker_pss_mb": round(sum(m["pss_mb"] for m in serving) / len(serving), 1),
            "per_worker_uss_mb": round(sum(m["uss_mb"] for m in serving) / len(serving), 1),
            "total_pss_per_worker_mb": round(sum(m["pss_mb"] for m in every) / len(serving), 1)}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def load(url: str, n: int, concurrency: int) -> dict:
    """n webhook messages, each from a new sender, `concurrency` at a time."""
    def one(i: int) -> tuple[float, bool]:
        t = time.perf_counter()
        try:
            msg = {"sender": f"w-{uuid.uuid4().hex}", "message": QUESTIONS[i % len(QUESTIONS)]}
            r = requests.post(f"{url}/webhooks/rest/webhook", json=msg, timeout=120)
            ok = r.status_code == 200 and bool(r.json())
        except requests.RequestException:
            ok = False
        return time.perf_counter() - t, ok

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(concurrency) as ex:
        res = list(ex.map(one, range(n)))
    wall = time.perf_counter() - t
    lat = [d for d, _ in res]
    return {"n": n, "concurrency": concurrency, "msgs_per_s": round(n / wall, 1),
            "p50_ms": pct(lat, 0.5), "p95_ms": pct(lat, 0.95), "errors": sum(1 for _, ok in res if not ok),
            "loadavg_1min": round(os.getloadavg()[0], 2)}


def measure(run_dir: Path, actions_url: str, redis_url: str, model: Path, workers: int, n: int,
            stock: bool = False) -> dict:
    name = f"rasa-{workers}{'-stock' if stock else ''}"
    stack = servers.Stack(run_dir / "logs")
    endpoints = servers.write_endpoints(run_dir / f"endpoints-{name}.yml", actions_url, redis_url=redis_url)
    extra = {"SANIC_WORKERS": str(workers)} if stock else None
    how = "plain rasa run, every worker loads the model" if stock else "shared model"
    print(f"==> {name}: starting ({how})", flush=True)
    t = time.perf_counter()
    try:
        url = servers.launch_rasa(stack, free_port(), endpoints, model, name=name, extra_env=extra,
                                  workers=1 if stock else workers)
        stack.wait_ready(name, name)
        ready_s = round(time.perf_counter() - t, 1)
        load(url, 10 * max(1, workers), min(10, 2 * workers))  # warm-up: every worker traced its graphs
        entry = ("rasa run, SANIC_WORKERS (each worker loads the model)" if stock
                 else "rasa run" if workers == 1 else "scripts.rasa_workers (shared preloaded model)")
        result = {"workers": workers, "stock": stock, "entry": entry,
                  "ready_s": ready_s, "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}
        for c in (10, 20):
            print(f"    {n} messages at concurrency {c}", flush=True)
            result[f"c{c}"] = load(url, n, c)
        result["memory"] = memory(dict(stack.procs)[name].pid)
    finally:
        stack.stop()
    print(f"    {json.dumps({k: result.get(k) for k in ('ready_s', 'c10', 'c20')})}", flush=True)
    print(f"    memory: {json.dumps(result['memory'])}", flush=True)
    return result


def run(workers: list[int], n: int, stock: bool, out: Path) -> dict:
    run_dir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    stack = servers.Stack(run_dir / "logs")
    model = servers.current_model()
    result: dict = {"model": model.name, "messages_per_level": n, "cores": os.cpu_count(),
                    "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "runs": []}
    try:
        redis_url = redis_server.start(stack, free_port(), run_dir / "redis", persist=False)
        actions_url = servers.start_actions(stack, free_port())
        for w, is_stock in [(w, s) for w in workers for s in (False, True) if not s or (stock and w > 1)]:
            try:
                result["runs"].append(measure(run_dir, actions_url, redis_url, model, w, n, is_stock))
            except (RuntimeError, TimeoutError) as exc:  # e.g. not ready in time on a loaded machine
                print(f"    FAILED: {exc}", flush=True)
                result["runs"].append({"workers": w, "stock": is_stock, "error": str(exc),
                                       "loadavg": [round(x, 2) for x in os.getloadavg()]})
    finally:
        stack.stop()
    ours = {r["workers"]: r for r in result["runs"] if not r["stock"] and "c20" in r}
    if 1 in ours:
        result["speedup_c20_over_1_worker"] = {
            w: round(r["c20"]["msgs_per_s"] / ours[1]["c20"]["msgs_per_s"], 2) for w, r in ours.items()}
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"==> written to {out}", flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", default="1,2,4", help="worker counts to measure (default 1,2,4)")
    ap.add_argument("--messages", type=int, default=200, help="messages per concurrency level")
    ap.add_argument("--stock", action="store_true", help="also plain `rasa run` with SANIC_WORKERS")
    ap.add_argument("--out", type=Path, default=servers.ROOT / "out" / "bench" / "workers.json")
    a = ap.parse_args(argv)
    run([int(w) for w in a.workers.split(",")], a.messages, a.stock, a.out)


if __name__ == "__main__":
    main()
