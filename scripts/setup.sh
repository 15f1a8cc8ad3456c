#!/usr/bin/env bash
# Creates or refreshes the four venvs (Rasa, Synapse, bridge, matrix-commander for tests) in parallel (each is skipped when its requirements did not
# change), then builds the web chat assets. Output lines carry the venv's name.
set -uo pipefail
cd "$(dirname "$0")/.."
pids=()
for v in rasa synapse bridge mctool; do scripts/venv.sh "$v" & pids+=($!); done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ $status = 0 ] || { echo "ERROR: a venv could not be set up (see the lines above)." >&2; exit 1; }
if [ -x scripts/webchat_build.sh ]; then scripts/webchat_build.sh || exit 1; fi
