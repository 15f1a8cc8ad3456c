#!/usr/bin/env python3
"""`make bench`: our assistant against a stock Rasa baseline, measured in one run against real
servers started here (one action server, our Rasa and the baseline Rasa on free ports, SQLite
tracker stores).

The baseline (scripts/bench_baseline.py, bench/baseline_config.yml: the `rasa init` default
pipeline and policies with WhitespaceTokenizer) is trained once on the same data and domain and
cached in models/baseline/. Both Rasa servers use the same action server, so replies come from the
same actions. Each load step runs on both servers back to back (who goes first alternates), so
both see the same machine load; all ratios come from this one run.

Writes out/bench/versus-baseline.json (side by side, with ours/baseline ratios and whether we are
ahead on each line), out/bench/summary.md (the same as a table), out/bench/assistant.json (our
server alone, the keys of the bench before issue 14 plus the new ones) and, with our Rasa,
out/bench/matrix.json, dashboard.json, edge.json (skip them with --no-extras).
About 6 min with a cached baseline (+10-15 min once to train it) on 2 cores, plus the extras.
Numbers on shared 2-core machines are noisy: compare the ratios inside one run."""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts import bench_baseline, bench_load, bench_report, servers

BOTS = ("ours", "baseline")


def load_steps(n: int) -> list[tuple[str, object]]:
    return [("parse_c1", lambda u: bench_load.parse_load(u, 100, 1)),
            ("parse_c10", lambda u: bench_load.parse_load(u, n, 10)),
            ("webhook_c1", lambda u: bench_load.webhook_load(u, 100, 1)),
            ("webhook_c10", lambda u: bench_load.webhook_load(u, n, 10)),
            ("webhook_c20", lambda u: bench_load.webhook_load(u, n, 20))]


def our_training(model: Path) -> dict:
    """Our training time: last-train.json next to the model (scripts/train.sh writes it) when it
    belongs to this model and the classifier was trained (not restored from Rasa's component
    cache: such a training takes seconds and says nothing about a fresh machine), else the record
    of scripts/bench_training.py; the bench does not retrain our model to time it."""
    last = model.parent / "last-train.json"
    if last.exists():
        rec = json.loads(last.read_text())
        if Path(rec.get("model", "")).name == model.name and rec.get("classifier_trained", False):
            return {**rec, "how": f"{last.name} next to the model: wall time of `rasa train` in "
                                  "scripts/train.sh, classifier trained (featurizers may come from "
                                  "the component cache: a few seconds)"}
    timing = model.with_name(model.name.replace(".tar.gz", ".timing.json"))  # scripts/bench_training.py
    if timing.exists():
        rec = json.loads(timing.read_text())
        return {**rec, "train_seconds": rec["wall_s"],
                "how": f"{timing.name}: wall time of `rasa train` by scripts/bench_training.py "
                       f"(cold component cache, CPU {rec['cpu_s']} s, load average "
                       f"{rec['load_average_before']} before)"}
    return {"train_seconds": None,
            "how": f"not measured: no record of a training of {model.name} that trained the "
                   "classifier (FORCE=1 RASA_CACHE_DIRECTORY=$(mktemp -d) scripts/train.sh)"}


def start_servers(stack, run_dir: Path, models: dict[str, Path]) -> tuple[dict[str, str], dict[str, float]]:
    """One action server, then every Rasa server loading its model in parallel."""
    actions = servers.start_actions(stack, servers.free_port())

    def start(name: str) -> tuple[str, str, float]:
        t = time.perf_counter()
        endpoints = servers.write_endpoints(run_dir / f"endpoints-{name}.yml", actions,
                                            tracker_db=run_dir / f"tracker-{name}.db")
        url = servers.start_rasa(stack, servers.free_port(), endpoints, models[name], name=name)
        return name, url, round(time.perf_counter() - t, 1)
    print(f"==> loading {len(models)} model(s) in parallel (about 2-3 min)", flush=True)
    with cf.ThreadPoolExecutor(len(models)) as pool:
        started = list(pool.map(start, models))
    return {name: url for name, url, _ in started}, {name: s for name, _, s in started}


def measure(urls: dict[str, str], pids: dict[str, int], n: int, holdout: bool) -> dict[str, dict]:
    res: dict[str, dict] = {name: {"rss_mb": {}} for name in urls}
    for name, url in urls.items():
        print(f"==> {name}: warm-up", flush=True)
        bench_load.warm_up(url)
        res[name]["rss_mb"]["rasa_loaded"] = bench_load.rss_mb(pids[name])
    for k, (step, fn) in enumerate(load_steps(n)):
        order = list(urls) if k % 2 == 0 else list(reversed(urls))
        for name in order:
            t = time.perf_counter()
            res[name][step] = fn(urls[name])
            r = res[name][step]
            print(f"==> {name}: {step:12s} {r['per_s']:6.1f}/s  p50 {r['p50_ms']:7.1f} ms  "
                  f"p95 {r['p95_ms']:7.1f} ms  ({time.perf_counter() - t:.0f} s)", flush=True)
    for name in urls:
        res[name]["rss_mb"]["rasa_after_load"] = bench_load.rss_mb(pids[name])
    if holdout:
        for name, url in urls.items():
            print(f"==> {name}: hold-out accuracy and refusals (tests/nlu/holdout.yml)", flush=True)
            res[name]["holdout"] = bench_load.holdout(url, name)
    for r in res.values():
        r["ratios"] = {
            "webhook_c10_over_parse_c10": round(r["webhook_c10"]["per_s"] / r["parse_c10"]["per_s"], 3),
            "webhook_p50_over_parse_p50": round(r["webhook_c1"]["p50_ms"] / r["parse_c1"]["p50_ms"], 2)}
    return res


def extras(rasa: str) -> None:
    """The other benches of `make bench`, against our Rasa."""
    env = {**os.environ, "RASA_URL": rasa, "RASA_TOKEN": servers.rasa_token()}
    if (servers.ROOT / "scripts" / "bench_matrix.py").exists():  # uses this Rasa for Q&A latency
        print("==> Matrix: reply latency in a room, bulletin fan-out to 100 rooms", flush=True)
        subprocess.run([str(servers.VENV / "bridge" / "bin" / "python"), "-m", "scripts.bench_matrix"],
                       cwd=servers.ROOT, env=env, check=False)
    print("==> operator dashboard: page weight and load time with 5,000 reports", flush=True)
    subprocess.run([str(servers.VENV / "bridge" / "bin" / "python"), "-m", "scripts.bench_dashboard"],
                   cwd=servers.ROOT, check=False)
    print("==> edge: socket.io through the edge vs direct, edge memory", flush=True)
    subprocess.run([sys.executable, "-m", "scripts.bench_edge"], cwd=servers.ROOT, env=env, check=False)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="messages per concurrent load step (200)")
    ap.add_argument("--no-baseline", action="store_true", help="measure our bot only")
    ap.add_argument("--no-holdout", action="store_true", help="skip the hold-out numbers")
    ap.add_argument("--no-extras", action="store_true", help="skip the Matrix, dashboard and edge benches")
    args = ap.parse_args(argv)
    began, load_before = time.perf_counter(), bench_baseline.load_average()
    out_dir = servers.ROOT / "out" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    models = {"ours": servers.current_model()}
    training = {"ours": our_training(models["ours"])}
    if not args.no_baseline:
        models["baseline"], training["baseline"] = bench_baseline.ensure()
    run_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    stack = servers.Stack(run_dir / "logs")
    measured_from = time.perf_counter()
    try:
        urls, startup = start_servers(stack, run_dir, models)
        pids = {name: p.pid for name, p in stack.procs}
        res = measure(urls, pids, args.n, not args.no_holdout)
        for name in urls:
            res[name].update(model=models[name].name, startup_to_ready_s=startup[name],
                             training=training[name],
                             model_size_mb=round(models[name].stat().st_size / 2**20, 1))
        res["ours"]["rss_mb"]["actions"] = bench_load.rss_mb(pids["actions"])
        report = bench_report.versus(res, load_before, bench_baseline.load_average(),
                                     round(time.perf_counter() - measured_from))
        if "baseline" in urls:
            stack.kill("baseline")  # 1+ GB the extras do not need
        bench_report.write(out_dir, report, res["ours"])
        if not args.no_extras:
            extras(urls["ours"])
    finally:
        stack.stop()
    report["bench_seconds_total"] = round(time.perf_counter() - began)
    bench_report.write(out_dir, report, res["ours"])
    print((out_dir / "summary.md").read_text())
    print(f"==> written to {out_dir}/ (versus-baseline.json, summary.md, assistant.json); "
          f"bench took {report['bench_seconds_total']} s", flush=True)
    subprocess.run([sys.executable, "-m", "scripts.bench_workers"], cwd=servers.ROOT, check=False)  # workers


if __name__ == "__main__":
    main()
