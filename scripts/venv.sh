#!/usr/bin/env bash
# Creates or refreshes one venv under .venv/NAME from requirements/.
#   scripts/venv.sh rasa|synapse|bridge
# A stamp holds the hash of the requirement files; the venv is rebuilt only when they change.
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
case "$name" in
  rasa)    pyver=3.10; reqs=(-r requirements/rasa.txt -c requirements/rasa-constraints.txt);;
  synapse) pyver=3.11; reqs=(-r requirements/synapse.txt);;
  bridge)  pyver=3.11; reqs=(-r requirements/bridge.txt);;
  *) echo "usage: $0 rasa|synapse|bridge" >&2; exit 2;;
esac
venv=".venv/$name"
stamp="$venv/.requirements.sha256"
want=$(cat requirements/"$name"*.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
if [ "$name" = synapse ] || [ "$name" = bridge ]; then
  py=$(scripts/find_python.sh 3.11 2>/dev/null || scripts/find_python.sh 3.10)
else
  py=$(scripts/find_python.sh "$pyver")
fi
echo "==> [$name] venv with $py ($("$py" --version 2>&1)); first install takes a few minutes"
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check -q pip==24.0
start=$(date +%s)
"$venv/bin/pip" install --disable-pip-version-check --progress-bar off "${reqs[@]}" \
  2>&1 | grep -vE --line-buffered "^(  |Requirement already|ERROR: Ignored|WARNING: Location)" | sed -u "s/^/    [$name] /" || true
# pip's status is lost in the pipe; check the import instead.
case "$name" in
  rasa)    "$venv/bin/python" -c "import rasa, rasa_sdk, spacy_lookups_data, rapidfuzz";;
  synapse) "$venv/bin/python" -c "import synapse";;
  bridge)  "$venv/bin/python" -c "import nio, apscheduler, jsonschema";;
esac || { echo "ERROR: [$name] install failed; see the pip output above." >&2; exit 1; }
echo "$want" > "$stamp"
echo "==> [$name] ready in $(( $(date +%s) - start )) s"
