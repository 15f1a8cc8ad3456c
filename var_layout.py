"""The layout of var/, where the running system keeps its state (git-ignored; `make clean`
removes it). One place names every default path under var/.

Standard library only and imports nothing from the project: both venvs and the system Python
import it. Settings that move one of these files (REPORTS_OUTBOX, BRIDGE_STATE_DIR, SYNAPSE_DIR,
...) are read by the module that owns the setting; this module only names the defaults.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VAR = ROOT / "var"

LOGS = VAR / "logs"                            # one log file per process started by `make run`
ENDPOINTS = VAR / "endpoints.yml"              # Rasa endpoints written by scripts/servers.py

RASA_DIR = VAR / "rasa"
TRACKER_DB = RASA_DIR / "tracker.db"           # SQLite tracker store (when REDIS_URL is not set)
RASA_API_TOKEN = RASA_DIR / "api.token"        # Rasa HTTP API token; RASA_TOKEN overrides it

SYNAPSE_DIR = VAR / "synapse"                  # homeserver config, signing keys, database
BRIDGE_DIR = VAR / "bridge"                    # bridge.db and provision.json (operator account)

REPORTS_DB = VAR / "reports.db"
REPORTS_OUTBOX = VAR / "reports-outbox.jsonl"  # reports queued while the report API was down
REPORTS_TOKEN = VAR / "reports.token"          # bearer token of the report API
REPORTS_CHAT_TOKEN = VAR / "reports-chat.token"  # the action server's narrower token (docs/privacy.md)


def relative(path: Path) -> str:
    """`path` as shown to users: relative to the repository when inside it."""
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return str(path)
