#!/usr/bin/env bash
# `make bench`: assistant latency/throughput/memory, then (with the same Rasa running) the Matrix
# reply latency and bulletin fan-out, and the edge's cost (socket.io via the edge vs direct, its memory).
# Writes out/bench/assistant.json, out/bench/matrix.json and out/bench/edge.json.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/rasa/bin/python -m scripts.bench
