#!/usr/bin/env python3
"""The stock Rasa baseline of `make bench`: bench/baseline_config.yml (the `rasa init` default
pipeline and policies of Rasa 3.6) trained on the same data/ and rasa_project/domain/ as our model.

Trained once and cached: models/baseline/baseline-<key>.tar.gz, where <key> hashes the baseline
config, the domain, the training data and the Rasa version, so a data change retrains it and
nothing else does. models/baseline/ is outside scripts/train.sh's rotation (which only removes
models/chat-pak-polisi-*.tar.gz). Next to each model, baseline-<key>.json records how long its
training took (cold component cache) and the load average around it.

    python -m scripts.bench_baseline          # train if needed, print the model path
    python -m scripts.bench_baseline --path   # only print the path the current inputs map to
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from var_layout import ROOT

CONFIG = ROOT / "bench" / "baseline_config.yml"
OUT_DIR = ROOT / "models" / "baseline"
DOMAIN = ROOT / "rasa_project" / "domain"
DATA = ROOT / "data"
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"
TRAIN_LOCK = ROOT / "var" / "train.lock"  # the lock scripts/train.sh takes: one training at a time
# What Rasa's training log says about each component (rasa/engine/training/hooks.py).
EPOCHS = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+/\d+)")
COMPONENT_MARKS = ("Starting to train component", "Finished training component", "Restored component")


def input_files() -> list[Path]:
    """What the baseline model is trained from (the same file filter as scripts/train.sh)."""
    files = [CONFIG]
    for base in (DOMAIN, DATA):
        files += [p for p in base.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".json")
                  and "__pycache__" not in p.parts]
    return sorted(files)


def cache_key() -> str:
    h = hashlib.sha256(f"rasa {metadata.version('rasa')}\n".encode())
    for p in input_files():
        h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def model_path() -> Path:
    return OUT_DIR / f"baseline-{cache_key()}.tar.gz"


def meta_path(model: Path) -> Path:
    return model.with_name(model.name.replace(".tar.gz", ".json"))


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def train(model: Path) -> dict:
    """Trains the baseline into `model` with a cold component cache (an honest training time),
    printing each component as it starts and ends; returns and stores the training record."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log = OUT_DIR / (model.name.replace(".tar.gz", ".log"))
    cmd = [str(RASA), "train", "--config", str(CONFIG), "--domain", str(DOMAIN), "--data", str(DATA),
           "--out", str(OUT_DIR), "--fixed-model-name", model.name.replace(".tar.gz", ""),
           "--num-threads", "2"]
    record = {"model": model.name, "config": str(CONFIG.relative_to(ROOT)),
              "load_average_before": load_average(), "components": []}
    print(f"==> training the stock Rasa baseline {model.name} once (cached afterwards; "
          "about 10-15 min on 2 cores); log: " + str(log.relative_to(ROOT)), flush=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="baseline-cache-") as cache, open(log, "w") as fh:
        env = {**os.environ, "RASA_CACHE_DIRECTORY": cache, "TF_CPP_MIN_LOG_LEVEL": "2",
               "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore::DeprecationWarning"}
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        _follow(proc.stdout.fileno(), fh, start, record)
        if proc.wait() != 0 or not model.exists():
            raise RuntimeError(f"baseline training failed (exit {proc.returncode}); see {log}")
    record.update(train_seconds=round(time.perf_counter() - start, 1), load_average_after=load_average(),
                  finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"), size_bytes=model.stat().st_size,
                  how="measured by scripts/bench_baseline.py around `rasa train` (cold component cache)")
    meta_path(model).write_text(json.dumps(record, indent=1))
    print(f"==> baseline trained in {record['train_seconds']:.0f} s: {model.relative_to(ROOT)}", flush=True)
    return record


def _follow(fd: int, log, start: float, record: dict) -> None:
    """Copies the training output to the log; prints each component as it starts and ends, and
    every 30 s the latest epoch counter (tqdm redraws it with carriage returns, no newlines)."""
    buf, component, epochs, last_note = "", "", "", time.perf_counter()
    while chunk := os.read(fd, 65536):
        text = chunk.decode("utf-8", "replace")
        log.write(text)
        buf += text
        *parts, buf = re.split(r"[\r\n]", buf)
        for part in parts:
            elapsed = round(time.perf_counter() - start, 1)
            if any(m in part for m in COMPONENT_MARKS):
                what = part.strip().split(" - ")[-1]
                component = what
                record["components"].append([elapsed, what])
                print(f"    [{elapsed:6.0f} s] baseline: {what}", flush=True)
            elif m := EPOCHS.search(part):
                epochs = f"epoch {m.group(1)}"
        if time.perf_counter() - last_note > 30 and epochs:
            print(f"    [{time.perf_counter() - start:6.0f} s] baseline: {component} {epochs}", flush=True)
            last_note = time.perf_counter()


def ensure() -> tuple[Path, dict]:
    """The cached baseline model for the current inputs (trained now if missing) and its record."""
    model = model_path()
    TRAIN_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(TRAIN_LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("==> another training is running; waiting for it", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        if model.exists() and meta_path(model).exists():
            print(f"==> stock Rasa baseline is cached: {model.relative_to(ROOT)}", flush=True)
            return model, json.loads(meta_path(model).read_text())
        return model, train(model)


if __name__ == "__main__":
    if sys.argv[1:] == ["--path"]:
        print(model_path().relative_to(ROOT))
    else:
        print(ensure()[0].relative_to(ROOT))
