#!/usr/bin/env bash
# Creates or refreshes one venv under .venv/NAME from requirements/.
#   scripts/venv.sh rasa|synapse|bridge|mctool
# A stamp holds the hash of the requirement files (and pyproject.toml); the venv is refreshed only
# when they change. The rasa and bridge venvs also get this checkout installed in editable mode
# (pyproject.toml), so the project's packages import from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
case "$name" in
  rasa)    pyver=3.10; files=(requirements/rasa-constraints.txt requirements/rasa.txt pyproject.toml)
           reqs=(-r requirements/rasa.txt -c requirements/rasa-constraints.txt);;
  synapse) pyver=3.11; files=(requirements/synapse.txt); reqs=(-r "${files[0]}");;
  bridge)  pyver=3.11; files=(requirements/bridge.txt pyproject.toml); reqs=(-r "${files[0]}");;
  mctool)  pyver=3.11; files=(requirements/matrix-commander.txt); reqs=(-r "${files[0]}");;
  *) echo "usage: $0 rasa|synapse|bridge|mctool" >&2; exit 2;;
esac
venv=".venv/$name"
stamp="$venv/.requirements.sha256"
want=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
with_project=false; case "$name" in rasa|bridge) with_project=true;; esac
# Is this checkout the one the venv imports? (-I: neither the cwd nor PYTHONPATH count.)
project_here() {
  [ "$("$venv/bin/python" -I -c 'import var_layout; print(var_layout.ROOT)' 2>/dev/null)" = "$(pwd -P)" ]
}
install_project() {
  "$venv/bin/pip" install --disable-pip-version-check -q --no-deps -e . 2>&1 \
    | { grep -v "^WARNING: Location" || true; } | sed -u "s/^/    [$name] /" \
    || { echo "ERROR: [$name] pip install -e . failed (exit ${PIPESTATUS[0]})." >&2; return 1; }
  project_here || { echo "ERROR: [$name] editable install of $(pwd -P) failed (see above)." >&2; return 1; }
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  if $with_project && ! project_here; then install_project || exit 1; fi
  exit 0
fi
if [ "$name" = mctool ]; then
  py=$(scripts/find_python.sh 3.11)   # matrix-commander needs Python >= 3.11
elif [ "$name" = synapse ] || [ "$name" = bridge ]; then
  py=$(scripts/find_python.sh 3.11 2>/dev/null || scripts/find_python.sh 3.10)
else
  py=$(scripts/find_python.sh "$pyver")
fi
echo "==> [$name] venv with $py ($("$py" --version 2>&1)); first install takes a few minutes"
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check -q pip==24.0 \
  || { echo "ERROR: [$name] could not install pip 24.0 into $venv" >&2; exit 1; }
start=$(date +%s)
set +e   # keep pip's own status (first in the pipe); the grep filter may legitimately print nothing
"$venv/bin/pip" install --disable-pip-version-check --progress-bar off "${reqs[@]}" \
  2>&1 | grep -vE --line-buffered "^(  |Requirement already|ERROR: Ignored|WARNING: Location)" | sed -u "s/^/    [$name] /"
pip_status=${PIPESTATUS[0]}
set -e
if [ "$pip_status" != 0 ]; then
  echo "ERROR: [$name] pip install failed (exit $pip_status); see the pip output above." >&2; exit 1
fi
# ... and the packages really import.
case "$name" in
  rasa)    "$venv/bin/python" -c "import rasa, rasa_sdk, spacy_lookups_data, rapidfuzz";;
  synapse) "$venv/bin/python" -c "import synapse";;
  bridge)  "$venv/bin/python" -c "import nio, apscheduler, jsonschema" && "$venv/bin/ruff" --version >/dev/null;;
  mctool)  test -x "$venv/bin/matrix-commander";;
esac || { echo "ERROR: [$name] install failed; see the pip output above." >&2; exit 1; }
if $with_project; then install_project || exit 1; fi
echo "$want" > "$stamp"
echo "==> [$name] ready in $(( $(date +%s) - start )) s"
