#!/usr/bin/env bash
# `make bench`: assistant numbers, then the Matrix numbers when the bridge benchmark exists.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/rasa/bin/python scripts/bench.py
if [ -f scripts/bench_matrix.py ]; then .venv/bridge/bin/python scripts/bench_matrix.py; fi
