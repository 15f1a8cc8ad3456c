#!/usr/bin/env bash
# `make test`: sets everything up, trains if stale, starts one Rasa server + action server for the
# whole run, runs every suite against them, and stops them at the end (also on failure).
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
step() { echo; echo "==> [$(( $(date +%s) - t0 )) s] $*"; }
step "system packages";  scripts/system_deps.sh || exit 1
step "venvs and web assets"; scripts/setup.sh || exit 1
step "validate data, lint Python (ruff)"; make -s validate || exit 1
step "train if stale"
out=$(mktemp); scripts/train.sh | tee "$out"; [ "${PIPESTATUS[0]}" = 0 ] || exit 1
export RASA_MODEL="$PWD/$(tail -n 1 "$out")"   # the servers use exactly this model

run_dir=$(mktemp -d /tmp/chatpolisi-test.XXXXXX)
state="$run_dir/servers.json"
cleanup() { .venv/rasa/bin/python -m scripts.servers down "$state" 2>/dev/null; }
trap cleanup EXIT INT TERM
step "start Rasa, the action server, the web chat server and the edge (logs: $run_dir/logs)"
.venv/rasa/bin/python -m scripts.servers up "$state" || { tail -50 "$run_dir"/logs/*.log; exit 1; }
for k in RASA_URL ACTIONS_URL RASA_TOKEN WEBCHAT_URL EDGE_URL REPORTS_API_URL REPORTS_TOKEN REPORTS_OUTBOX; do
  # `export k="$(...)"` would hide a failed python3 call (export's own status wins): assign first.
  v=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$state" $k) \
    || { echo "ERROR: could not read $k from $state" >&2; exit 1; }
  [ -n "$v" ] || { echo "ERROR: $k is empty in $state" >&2; exit 1; }
  export "$k=$v"
done
export STACK_LOGS="$run_dir/logs"   # tests/matrix/test_fuzz.py counts the tracebacks Rasa logs
status=0
step "tests under .venv/rasa (assistant, knowledge, NLU quality)"
.venv/rasa/bin/python -m pytest tests/rasa -p no:cacheprovider ${PYTEST_ARGS:-} || status=1
step "tests under .venv/bridge (Matrix, web chat, edge)"
.venv/bridge/bin/python -m pytest tests/matrix tests/webchat tests/edge -p no:cacheprovider ${PYTEST_ARGS:-} || status=1
step "done: $([ $status = 0 ] && echo PASSED || echo FAILED) in $(( $(date +%s) - t0 )) s"
exit $status
