#!/usr/bin/env python3
"""How much a reply costs compared with its NLU, measured on one server in one run
(docs/performance.md). Rasa venv, from the repository root:

    .venv/rasa/bin/python -m scripts.profile_webhook                  # starts actions + Rasa (current model)
    .venv/rasa/bin/python -m scripts.profile_webhook --model M.tar.gz --profile out/perf/webhook
    .venv/rasa/bin/python -m scripts.profile_webhook --rasa-url http://127.0.0.1:5005   # a running server

Phases, one after another against the same server: /model/parse at concurrency 10, the REST
webhook at concurrency 10 (a new sender per message, as scripts/bench.py), the webhook sequentially
(10 senders, so trackers grow to 10 turns) and /model/parse sequentially. With --profile, py-spy
(PyPI `py-spy`, a sampling profiler that attaches to the running Rasa process) then records the
webhook at concurrency 10 once more; the top frames (inclusive and self share of on-CPU samples)
are printed and written next to the raw collapsed stacks. Profiling is a separate phase so the
profiler's overhead is not in the throughput figures.

`measure(rasa_url, token)` is the reusable part (scripts/bench.py can call it with its own server).
Writes out/perf/webhook.json (or --out).
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures as cf
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import requests

from scripts import servers

QUESTIONS = ["berapa biaya bikin sim c baru", "syarat skck apa aja", "nomor darurat polisi",
             "pasal pencurian motor", "halo min", "berapa gaji kapolres"]
# In both fault replies of channels/texts.py (FAULT, FAULT_RETRY): the action server or a store
# failed, e.g. the circuit breaker opened under load. Counted, never hidden in the throughput.
FAULT_MARK = "gangguan teknis"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def _summary(lat: list[float], wall: float, concurrency: int, faults: int) -> dict:
    return {"n": len(lat), "concurrency": concurrency, "per_s": round(len(lat) / wall, 1),
            "fault_replies": faults,
            "p50_ms": _pct(lat, 0.5), "p95_ms": _pct(lat, 0.95),
            "mean_ms": round(statistics.mean(lat) * 1000, 1)}


def _load(n: int, concurrency: int, call) -> dict:
    """n calls of call(i) over `concurrency` threads; each must return a requests.Response."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=concurrency, pool_maxsize=concurrency)
    session.mount("http://", adapter)

    def one(i: int) -> tuple[float, bool]:
        t = time.perf_counter()
        r = call(session, i)
        r.raise_for_status()
        return time.perf_counter() - t, FAULT_MARK in r.text

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(one, range(n)))
    return _summary([d[0] for d in done], time.perf_counter() - t, concurrency, sum(d[1] for d in done))


def parse_call(rasa: str, token: str):
    url = servers.with_token(f"{rasa}/model/parse", token)
    return lambda s, i: s.post(url, json={"text": QUESTIONS[i % len(QUESTIONS)]}, timeout=120)


def webhook_call(rasa: str, senders: int | None = None, prefix: str = "perf"):
    """A webhook message; a new sender per message when senders is None, else senders senders."""
    run = uuid.uuid4().hex[:8]

    def call(s: requests.Session, i: int):
        sender = f"{prefix}-{run}-{uuid.uuid4().hex if senders is None else i % senders}"
        return s.post(f"{rasa}/webhooks/rest/webhook",
                      json={"sender": sender, "message": QUESTIONS[i % len(QUESTIONS)]}, timeout=120)
    return call


def measure(rasa: str, token: str, n_conc: int = 200, n_seq: int = 100, concurrency: int = 10) -> dict:
    """The figures of one run against a running Rasa (warm-up first)."""
    _load(12, 2, webhook_call(rasa))
    _load(12, 2, parse_call(rasa, token))
    result: dict = {"load_avg_before": [round(x, 2) for x in os.getloadavg()]}
    result["parse_concurrent"] = _load(n_conc, concurrency, parse_call(rasa, token))
    result["webhook_concurrent"] = _load(n_conc, concurrency, webhook_call(rasa))
    result["webhook_sequential"] = _load(n_seq, 1, webhook_call(rasa, senders=10))
    result["parse_sequential"] = _load(n_seq, 1, parse_call(rasa, token))
    result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["ratios"] = {
        "webhook_over_parse_c10": round(result["webhook_concurrent"]["per_s"]
                                        / result["parse_concurrent"]["per_s"], 2),
        "webhook_p50_over_parse_p50_seq": round(result["webhook_sequential"]["p50_ms"]
                                                / result["parse_sequential"]["p50_ms"], 2)}
    return result


def top_frames(raw: Path, limit: int = 25) -> dict:
    """Inclusive and self share of samples per frame, from py-spy's collapsed stacks."""
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].split("site-packages/")[-1]
                  + ")" if " (" in f else f for f in stack.split(";")]
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
    share = lambda c: [{"frame": f, "pct": round(100 * k / max(total, 1), 1)}  # noqa: E731
                       for f, k in c.most_common(limit)]
    return {"samples": total, "inclusive": share(inclusive), "self": share(own)}


def profile(rasa: str, pid: int, out: Path, n: int = 300, concurrency: int = 10) -> dict:
    """py-spy records the Rasa process while the webhook takes n messages at `concurrency`."""
    spy = shutil.which("py-spy") or str(servers.VENV / "rasa" / "bin" / "py-spy")
    raw = out.with_suffix(".collapsed.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    rec = subprocess.Popen([spy, "record", "-p", str(pid), "--rate", "200", "--format", "raw",
                            "-o", str(raw), "--nonblocking"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    time.sleep(2)
    try:
        load = _load(n, concurrency, webhook_call(rasa, prefix="spy"))
    finally:
        rec.send_signal(2)  # SIGINT: py-spy writes its output and exits
        rec.wait(60)
    top = top_frames(raw)
    top["load_during_profile"] = load
    out.with_suffix(".top.json").write_text(json.dumps(top, indent=2))
    return top


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, help="model to serve (default: the current one)")
    ap.add_argument("--rasa-url", help="measure this running Rasa instead of starting one")
    ap.add_argument("--pid", type=int, help="with --rasa-url and --profile: the Rasa process id")
    ap.add_argument("--profile", type=Path, help="also record a py-spy profile; path prefix")
    ap.add_argument("--endpoints", type=Path, help="Rasa endpoints file (default: SQLite, fresh db)")
    ap.add_argument("--out", type=Path, default=servers.ROOT / "out" / "perf" / "webhook.json")
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="perf-"))
    stack = servers.Stack(run_dir / "logs")
    try:
        if args.rasa_url:
            rasa, pid, model = args.rasa_url.rstrip("/"), args.pid, None
        else:
            model = (args.model or servers.current_model()).resolve()
            actions_port = servers.free_port()
            endpoints = args.endpoints or servers.write_endpoints(
                run_dir / "endpoints.yml", f"http://127.0.0.1:{actions_port}",
                tracker_db=run_dir / "tracker.db")
            rasa, _ = servers.start_assistant(stack, servers.free_port(), actions_port, endpoints, model)
            pid = dict(stack.procs)["rasa"].pid
        result = {"label": args.label, "model": model.name if model else None,
                  **measure(rasa, servers.rasa_token())}
        if args.profile and pid:
            result["profile"] = profile(rasa, pid, args.profile)
            result["profile"].pop("self")
            result["profile"]["inclusive"] = result["profile"]["inclusive"][:15]
    finally:
        stack.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
