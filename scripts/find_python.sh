#!/usr/bin/env bash
# Prints the path of a Python interpreter of the wanted minor version (default 3.10).
# Order: $PYTHON, pythonX.Y on PATH, pyenv's versions. Exits 1 with advice when none is found.
want="${1:-3.10}"
ok() { "$1" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" >/dev/null 2>&1; }
if [ -n "${PYTHON:-}" ]; then
  if ok "$PYTHON"; then echo "$PYTHON"; exit 0; fi
  echo "ERROR: PYTHON=$PYTHON is not Python $want." >&2; exit 1
fi
for c in "python$want" "/usr/bin/python$want" "/usr/local/bin/python$want"; do
  if command -v "$c" >/dev/null 2>&1 && ok "$c"; then command -v "$c"; exit 0; fi
done
root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
for c in $(ls -d "$root"/versions/"$want".*/bin/python 2>/dev/null | sort -rV); do
  if ok "$c"; then echo "$c"; exit 0; fi
done
cat >&2 <<MSG
ERROR: no Python $want found.
  Rasa Open Source 3.6 installs only on Python 3.8-3.10.
  Install one, e.g. 'pyenv install $want' or 'apt-get install python$want python$want-venv',
  or point to it: make run PYTHON=/path/to/python$want
MSG
exit 1
