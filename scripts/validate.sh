#!/usr/bin/env bash
# `make validate`: Rasa's own data validation, then the knowledge base and the NLU checks, then
# the Python lint (ruff). Each check names the file (and line, where it can) of every problem.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
status=0
echo "==> rasa data validate"
out=$(.venv/rasa/bin/rasa data validate --config rasa_project/config.yml \
        --domain rasa_project/domain --data data 2>&1) || status=1
echo "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep -E "UserWarning|ERROR|Error" \
  | sed -E 's/^.*(UserWarning|ERROR|Error)[^:]*: /    \1: /' || true
[ $status = 0 ] && echo "    ok" || echo "ERROR: rasa data validate failed; full output above."
if [ -d knowledge ]; then
  echo "==> knowledge base"
  .venv/rasa/bin/python -m knowledge check || status=1
fi
if [ -f scripts/nlu_check.py ]; then
  echo "==> NLU checks"
  .venv/rasa/bin/python scripts/nlu_check.py || status=1
fi
echo "==> hold-out honesty: evaluation and test phrases vs data/nlu (exact or difflib >= 0.90)"
.venv/rasa/bin/python scripts/nlu_overlap.py || status=1
if [ -x .venv/bridge/bin/ruff ]; then
  echo "==> Python code (ruff, rules in pyproject.toml)"
  .venv/bridge/bin/ruff check --quiet --output-format concise . && echo "    ok" || status=1
else
  echo "==> Python code: skipped (ruff is installed in the bridge venv by make setup)"
fi
exit $status
