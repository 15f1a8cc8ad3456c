#!/usr/bin/env bash
# `make run`: set up, train if stale, then start everything on 127.0.0.1 (Ctrl-C stops it all);
# the edge on 127.0.0.1:8080 is the public entrance (docs/deploy.md).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/system_deps.sh run || exit 1   # Caddy, the edge (public entrance on 127.0.0.1:8080)
scripts/setup.sh || exit 1
out=$(mktemp); scripts/train.sh | tee "$out"; [ "${PIPESTATUS[0]}" = 0 ] || exit 1
export RASA_MODEL="$PWD/$(tail -n 1 "$out")"   # serve exactly the model just checked or trained
rm -f "$out"
exec .venv/rasa/bin/python -m scripts.servers run
