#!/usr/bin/env bash
# `make bench`: our assistant against a stock Rasa baseline (trained once and cached in
# models/baseline/), side by side in one run: throughput at concurrency 1/10/20, p50/p95, RSS,
# training time, hold-out numbers, webhook vs /model/parse; then, with the same Rasa, the Matrix
# reply latency and bulletin fan-out, the dashboard and the edge's cost.
# Writes out/bench/versus-baseline.json, summary.md, assistant.json, matrix.json, dashboard.json,
# edge.json. Options of scripts/bench.py via BENCH_ARGS (e.g. BENCH_ARGS=--no-extras).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/rasa/bin/python -m scripts.bench ${BENCH_ARGS:-}
