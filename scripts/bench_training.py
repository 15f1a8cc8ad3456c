#!/usr/bin/env python3
"""Training-time experiments (docs/training-time.md): train a config with a cold component cache,
time it (wall and CPU) and per component, then measure the model on the project's hold-out
(tests/nlu/holdout.yml, gates of scripts/nlu_metrics.py) and on the NLU validation split
(tests/rasa/data/nlu_validation.yml), in-process (no server).

    python -m scripts.bench_training train CONFIG NAME [--nlu-only] [--out DIR] [--seed N]
    python -m scripts.bench_training eval MODEL.tar.gz [--json OUT]
    python -m scripts.bench_training components TRAIN.log

Waits while another `rasa train` runs on the machine (one at a time). Writes NAME.log and
NAME.timing.json next to the model (default /tmp/bench/models). `--seed N` trains CONFIG with every
`random_seed` of its pipeline set to N (NAME.config.yml): one seed is one sample, and the shipped
config's own hold-out numbers move by up to 3 points between seeds (docs/training-time.md, Round 6),
so judge a change on more than one seed."""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from var_layout import ROOT

RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"
SETS = {"holdout": ROOT / "tests" / "nlu" / "holdout.yml",
        "validation": ROOT / "tests" / "rasa" / "data" / "nlu_validation.yml"}
HOOK = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) INFO\s+rasa\.engine\.training\.hooks\s+- "
                  r"(Starting to train|Finished training) component '([^']+)'")


def components(log: Path) -> list[list]:
    """[[component, seconds], ...] from Rasa's training hooks in a `rasa train` log."""
    started, out = {}, []
    for m in HOOK.finditer(log.read_text(errors="replace")):
        t = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
        if m.group(2).startswith("Starting"):
            started[m.group(3)] = t
        elif m.group(3) in started:
            out.append([m.group(3), (t - started.pop(m.group(3))).total_seconds()])
    return out


def with_seed(config: Path, seed: int, dest: Path) -> Path:
    """A copy of `config` at `dest` whose pipeline components train with `random_seed: seed`: those
    that set a random_seed, or, if none does, every DIETClassifier (Rasa's default is no seed)."""
    from rasa.shared.utils.io import read_yaml_file, write_yaml

    cfg = read_yaml_file(config)
    pipeline = cfg.get("pipeline") or []
    targets = ([c for c in pipeline if "random_seed" in c]
               or [c for c in pipeline if str(c.get("name", "")).endswith("DIETClassifier")])
    if not targets:
        sys.exit(f"{config}: no pipeline component to seed")
    for component in targets:
        component["random_seed"] = seed
    write_yaml(cfg, dest)
    return dest


def train(config: Path, name: str, out: Path, nlu_only: bool, seed: int | None = None) -> dict:
    while subprocess.run(["pgrep", "-f", "bin/rasa train"], capture_output=True).returncode == 0:
        print("    another `rasa train` runs on this machine; waiting", flush=True)
        time.sleep(20)
    out.mkdir(parents=True, exist_ok=True)
    if seed is not None:
        config = with_seed(config, seed, out / f"{name}.config.yml")
    what = (["nlu", "--nlu", str(ROOT / "data" / "nlu")] if nlu_only
            else ["--domain", str(ROOT / "rasa_project" / "domain"), "--data", str(ROOT / "data")])
    cmd = [str(RASA), "train", *what]
    cmd += ["--config", str(config), "--out", str(out), "--fixed-model-name", name, "--num-threads", "2"]
    log = out / f"{name}.log"
    before, ru0 = os.getloadavg(), resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rasa-cache-") as cache, open(log, "w") as fh:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_CACHE_DIRECTORY": cache,
               "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
               "PYTHONWARNINGS": "ignore::DeprecationWarning"}
        code = subprocess.run(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT).returncode
    wall, ru = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    if code:
        sys.exit(f"training failed (exit {code}); see {log}")
    record = {"config": str(config), "model": str(out / f"{name}.tar.gz"), "nlu_only": nlu_only,
              "wall_s": round(wall), "cpu_s": round(ru.ru_utime - ru0.ru_utime + ru.ru_stime - ru0.ru_stime),
              "load_average_before": [round(x, 2) for x in before],
              "load_average_after": [round(x, 2) for x in os.getloadavg()],
              "components_s": components(log), "how": "cold component cache (RASA_CACHE_DIRECTORY empty)"}
    (out / f"{name}.timing.json").write_text(json.dumps(record, indent=1))
    print(json.dumps(record, indent=1))
    return record


async def _rows(agent, examples: dict) -> list[dict]:
    rows = []
    for expected, texts in examples.items():
        for text in texts:
            intent = (await agent.parse_message(text)).get("intent") or {}
            rows.append({"text": text, "expected": expected, "predicted": intent.get("name") or "",
                         "confidence": float(intent.get("confidence") or 0.0)})
    return rows


def evaluate(model: Path) -> dict:
    from rasa.core.agent import Agent

    from scripts.nlu_metrics import GATES, failures, summarise
    from scripts.nlu_trainingdata import load_yaml_examples

    agent = Agent.load(str(model))
    result: dict = {"model": str(model)}
    for name, path in SETS.items():
        result[name] = summarise(asyncio.run(_rows(agent, load_yaml_examples(path))))
    result["holdout_gate_failures"] = failures(result["holdout"], GATES)
    return result


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("config", type=Path)
    t.add_argument("name")
    t.add_argument("--nlu-only", action="store_true")
    t.add_argument("--out", type=Path, default=Path("/tmp/bench/models"))
    t.add_argument("--seed", type=int, help="train with this random_seed (a copy of CONFIG)")
    e = sub.add_parser("eval")
    e.add_argument("model", type=Path)
    e.add_argument("--json", type=Path)
    c = sub.add_parser("components")
    c.add_argument("log", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "train":
        train(args.config.resolve(), args.name, args.out, args.nlu_only, args.seed)
    elif args.cmd == "eval":
        result = evaluate(args.model)
        print(json.dumps(result, indent=1))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1))
    else:
        print(json.dumps(components(args.log), indent=1))


if __name__ == "__main__":
    main()
