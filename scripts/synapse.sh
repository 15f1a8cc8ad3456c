#!/usr/bin/env bash
# Local Synapse homeserver for Ngobrol Kamtibmas.
#   scripts/synapse.sh start|stop|status|generate
#   scripts/synapse.sh register USER PASSWORD [--admin]
# Env: SYNAPSE_SERVER_NAME (polres.localhost), SYNAPSE_PORT (8008), SYNAPSE_DIR (var/synapse),
#      SYNAPSE_PROFILE (dev|test). Config is generated on first start under SYNAPSE_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/synapse/bin/python ] || scripts/venv.sh synapse
export SYNAPSE_PYTHON="$PWD/.venv/synapse/bin/python"
exec .venv/synapse/bin/python -m matrix_bridge.synapse_ctl "$@"
