#!/usr/bin/env python3
"""Before/after of one setting, measured as scripts/profile_webhook.py does, on two servers that
run at the same time and take turns (docs/performance.md). Rasa venv, from the repository root:

    .venv/rasa/bin/python -m scripts.profile_ab --a ACTION_KEEPALIVE_S=0 --pairs 4

Starts two stacks (action server + Rasa, SQLite tracker store in a fresh file each) from this
checkout with the same model: A with the --a environment settings, B with --b (default: none).
Then the phases of `profile_webhook.measure()` (one round: /model/parse and webhook at
concurrency 10, webhook and parse sequentially) run against A, B, B, A, A, B, ... (ABBA order,
so a drift of the machine's load hits both sides alike); besides throughput and latency, each
turn records the CPU time Rasa and the action server spent per request (/proc/PID/stat), which
other processes' load disturbs much less than wall-clock figures. The medians of each side are
printed and written to out/perf/ab.json (or --out). A shared, loaded machine moves single runs
a lot; compare the medians, and read the per-run figures and load averages before trusting a gap.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from scripts import servers
from scripts.profile_webhook import _load, parse_call, webhook_call

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _env(pairs: list[str]) -> dict:
    return dict(p.split("=", 1) for p in pairs)


def _cpu_s(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S


def _phase(n: int, concurrency: int, call, pids: dict) -> tuple[dict, dict]:
    """One load phase; its summary and the CPU milliseconds per request of each process."""
    before = {k: _cpu_s(p) for k, p in pids.items()}
    summary = _load(n, concurrency, call)
    return summary, {k: round(1000 * (_cpu_s(p) - before[k]) / n, 2) for k, p in pids.items()}


def turn(rasa: str, pids: dict, n_conc: int = 200, n_seq: int = 100) -> dict:
    """The phases of profile_webhook.measure() (one round), plus the CPU each process spent."""
    token = servers.rasa_token()
    _load(12, 2, webhook_call(rasa))
    _load(12, 2, parse_call(rasa, token))
    load_before = round(os.getloadavg()[0], 2)
    parse, parse_cpu = _phase(n_conc, 10, parse_call(rasa, token), pids)
    hook, hook_cpu = _phase(n_conc, 10, webhook_call(rasa), pids)
    seq, seq_cpu = _phase(n_seq, 1, webhook_call(rasa, senders=10), pids)
    pseq, _ = _phase(n_seq, 1, parse_call(rasa, token), pids)
    return {"parse_c10_per_s": parse["per_s"], "webhook_c10_per_s": hook["per_s"],
            "ratio": round(hook["per_s"] / parse["per_s"], 2),
            "fault_replies": hook["fault_replies"] + seq["fault_replies"],
            "webhook_seq_p50_ms": seq["p50_ms"], "parse_seq_p50_ms": pseq["p50_ms"],
            "rasa_cpu_ms_parse": parse_cpu["rasa"], "rasa_cpu_ms_webhook": hook_cpu["rasa"],
            "rasa_cpu_ms_webhook_seq": seq_cpu["rasa"], "actions_cpu_ms_webhook": hook_cpu["actions"],
            "load_before": load_before, "load_after": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", nargs="*", default=[], help="A's environment, NAME=VALUE ...")
    ap.add_argument("--b", nargs="*", default=[], help="B's environment, NAME=VALUE ...")
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--out", type=Path, default=servers.ROOT / "out" / "perf" / "ab.json")
    args = ap.parse_args()
    model = (args.model or servers.current_model()).resolve()
    run_dir = Path(tempfile.mkdtemp(prefix="perf-ab-"))
    stacks = {side: servers.Stack(run_dir / side / "logs") for side in "ab"}
    urls: dict = {}
    try:
        for side, env in (("a", _env(args.a)), ("b", _env(args.b))):
            port = servers.free_port()
            servers.start_actions(stacks[side], port, env)
            endpoints = servers.write_endpoints(run_dir / side / "endpoints.yml", f"http://127.0.0.1:{port}",
                                                tracker_db=run_dir / side / "tracker.db")
            urls[side] = servers.launch_rasa(stacks[side], servers.free_port(), endpoints, model,
                                             extra_env=env)
        for side in "ab":
            stacks[side].wait_ready("rasa", f"rasa {side} (loading a model takes about 2 minutes)")
        runs: dict = {"a": [], "b": []}
        order = [("a", "b") if i % 2 == 0 else ("b", "a") for i in range(args.pairs)]
        for pair in order:
            for side in pair:
                pids = {name: proc.pid for name, proc in stacks[side].procs}
                row = turn(urls[side], pids)
                runs[side].append(row)
                print(side, json.dumps(row), flush=True)
    finally:
        for stack in stacks.values():
            stack.stop()
    keys = [k for k in runs["a"][0] if k != "fault_replies"]
    result = {"model": model.name, "a_env": args.a, "b_env": args.b, "runs": runs,
              "median": {side: {k: round(statistics.median(r[k] for r in runs[side]), 2) for k in keys}
                         | {"fault_replies": sum(r["fault_replies"] for r in runs[side])}
                         for side in "ab"}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result["median"], indent=2))


if __name__ == "__main__":
    main()
