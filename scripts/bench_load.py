"""Load measurements of one running Rasa server for `make bench` (scripts/bench.py): /model/parse
and REST webhook latency and throughput, process memory, and the project's hold-out numbers.
Every function takes the server's URL, so the same code measures our bot and the stock baseline."""
from __future__ import annotations

import concurrent.futures as cf
import statistics
import time
import uuid
from pathlib import Path

import requests

from scripts import servers
from scripts.nlu_metrics import GATES, failures, predict_all, summarise
from scripts.nlu_trainingdata import load_yaml_examples

QUESTIONS = ["berapa biaya bikin sim c baru", "syarat skck apa aja", "nomor darurat polisi",
             "pasal pencurian motor", "halo min", "berapa gaji kapolres"]
HOLDOUT = servers.ROOT / "tests" / "nlu" / "holdout.yml"
_local = __import__("threading").local()
_empty: list[str] = []  # messages the server answered with no reply (list.append is thread-safe)


def _session() -> requests.Session:
    """One keep-alive HTTP session per thread (what a real client such as the bridge does)."""
    if not hasattr(_local, "s"):
        _local.s = requests.Session()
    return _local.s


def rss_mb(pid: int) -> float:
    """VmRSS of a process and its direct children, in MB."""
    total = 0
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return 0.0
    for p in [pid] + children:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return round(total / 1024, 1)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of durations in seconds, in ms."""
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def parse_once(rasa: str, i: int) -> float:
    t = time.perf_counter()
    r = _session().post(servers.with_token(f"{rasa}/model/parse"),
                        json={"text": QUESTIONS[i % len(QUESTIONS)]}, timeout=120)
    r.raise_for_status()
    return time.perf_counter() - t


def webhook_once(rasa: str, i: int, sender: str | None = None) -> float:
    """One user message through the REST channel: NLU, policies, the action server, the tracker
    store, the reply. A fresh sender (a new conversation) unless one is given."""
    t = time.perf_counter()
    r = _session().post(f"{rasa}/webhooks/rest/webhook", timeout=120,
                        json={"sender": sender or f"bench-{uuid.uuid4().hex}",
                              "message": QUESTIONS[i % len(QUESTIONS)]})
    r.raise_for_status()
    if not r.json():  # counted, not fatal: a stock bot may well stay silent
        _empty.append(QUESTIONS[i % len(QUESTIONS)])
    return time.perf_counter() - t


def run(fn, n: int, concurrency: int) -> dict:
    """n calls of fn(i) from `concurrency` client threads: per-call latency and overall rate."""
    t = time.perf_counter()
    if concurrency == 1:
        lat = [fn(i) for i in range(n)]
    else:
        with cf.ThreadPoolExecutor(concurrency) as pool:
            lat = list(pool.map(fn, range(n)))
    wall = time.perf_counter() - t
    return {"n": n, "concurrency": concurrency, "per_s": round(n / wall, 1),
            "p50_ms": pct(lat, 0.5), "p95_ms": pct(lat, 0.95),
            "mean_ms": round(statistics.mean(lat) * 1000, 1)}


def warm_up(rasa: str) -> None:
    for i in range(10):
        parse_once(rasa, i)
        webhook_once(rasa, i)


def parse_load(rasa: str, n: int, concurrency: int) -> dict:
    return run(lambda i: parse_once(rasa, i), n, concurrency)


def webhook_load(rasa: str, n: int, concurrency: int) -> dict:
    """Sequentially (concurrency 1) ten conversations take turns, as in the bench before issue 14;
    concurrently every message opens a new conversation, as many citizens at once would."""
    _empty.clear()
    if concurrency == 1:
        run_id = uuid.uuid4().hex[:8]
        result = run(lambda i: webhook_once(rasa, i, f"bench-seq-{run_id}-{i % 10}"), n, 1)
    else:
        result = run(lambda i: webhook_once(rasa, i), n, concurrency)
    return {**result, "empty_replies": len(_empty)}


def holdout(rasa: str, label: str) -> dict:
    """The project's hold-out numbers (tests/nlu/holdout.yml, scripts/nlu_metrics.py) of this server."""
    examples = load_yaml_examples(HOLDOUT)
    total = sum(len(v) for v in examples.values())
    rows: list[dict] = []
    t = time.perf_counter()
    for intent, texts in examples.items():
        rows += predict_all(rasa, {intent: texts})
        if len(rows) // 200 != (len(rows) - len(texts)) // 200:
            print(f"    {label}: hold-out {len(rows)}/{total} messages", flush=True)
    summary = summarise(rows)
    summary["gate_failures"] = failures(summary, GATES)
    summary["seconds"] = round(time.perf_counter() - t, 1)
    summary["rows"] = rows  # per message, for the paired comparison (bench_report.versus drops it)
    return summary
