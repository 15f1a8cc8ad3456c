#!/usr/bin/env bash
# Creates or refreshes one venv under .venv/NAME from requirements/.
#   scripts/venv.sh rasa|synapse|bridge|mctool
# A stamp holds the hash of the requirement files; the venv is rebuilt only when they change.
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
case "$name" in
  rasa)    pyver=3.10; files=(requirements/rasa-constraints.txt requirements/rasa.txt)
           reqs=(-r requirements/rasa.txt -c requirements/rasa-constraints.txt);;
  synapse) pyver=3.11; files=(requirements/synapse.txt); reqs=(-r "${files[0]}");;
  bridge)  pyver=3.11; files=(requirements/bridge.txt); reqs=(-r "${files[0]}");;
  mctool)  pyver=3.11; files=(requirements/matrix-commander.txt); reqs=(-r "${files[0]}");;
  *) echo "usage: $0 rasa|synapse|bridge|mctool" >&2; exit 2;;
esac
venv=".venv/$name"
stamp="$venv/.requirements.sha256"
want=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
if [ "$name" = mctool ]; then
  py=$(scripts/find_python.sh 3.11)   # matrix-commander needs Python >= 3.11
elif [ "$name" = synapse ] || [ "$name" = bridge ]; then
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
  mctool)  test -x "$venv/bin/matrix-commander";;
esac || { echo "ERROR: [$name] install failed; see the pip output above." >&2; exit 1; }
echo "$want" > "$stamp"
echo "==> [$name] ready in $(( $(date +%s) - start )) s"
