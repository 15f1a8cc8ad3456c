#!/usr/bin/env bash
# `make bench`: assistant latency/throughput/memory, then (with the same Rasa running) the Matrix
# reply latency and bulletin fan-out. Writes out/bench/assistant.json and out/bench/matrix.json.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/rasa/bin/python -m scripts.bench
