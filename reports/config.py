"""Runtime settings shared by the report service, the bridge and the action server (stdlib only).

Environment:
  REPORTS_TOKEN     bearer token of the report API; else the content of var/reports.token
  REPORTS_TOKEN_FILE  path of that file (default var/reports.token)
  REPORTS_CHAT_TOKEN  the chat token: what the action server needs for citizens and no more
                    (create reports, status checks, a reporter's own list; reports/api.py);
                    else the content of var/reports-chat.token
  REPORTS_API_URL   where clients reach the API (default http://127.0.0.1:${REPORTS_PORT:-8090})
  REPORTS_HOST/REPORTS_PORT  where the API listens (default 127.0.0.1:8090; loopback only)
  REPORTS_DB_URL    database (see store.open_store); default var/reports.db
  REPORTS_OUTBOX    JSONL outbox of reports queued while the API was down (var/reports-outbox.jsonl)
  RASA_URL          Rasa server for web status notifications (default http://127.0.0.1:5005)
  RASA_TOKEN        optional Rasa --auth-token
"""
from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Optional

import var_layout


def token_file() -> Path:
    return Path(os.environ.get("REPORTS_TOKEN_FILE") or var_layout.REPORTS_TOKEN)


def load_token(create: bool = False) -> Optional[str]:
    """REPORTS_TOKEN, else the token file; with create=True a new random token is written to the
    file (mode 600) when neither exists. Returns None when there is none and create is False."""
    return _read_or_create("REPORTS_TOKEN", token_file(), create)


def _read_or_create(env: str, path: Path, create: bool) -> Optional[str]:
    tok = (os.environ.get(env) or "").strip()
    if tok:
        return tok
    try:
        tok = path.read_text(encoding="utf-8").strip()
        if tok:
            return tok
    except FileNotFoundError:
        pass
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    tok = secrets.token_urlsafe(32)
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(tok + "\n")
    return tok


def chat_token_file() -> Path:
    """Next to the token file: var/reports-chat.token by default."""
    if os.environ.get("REPORTS_TOKEN_FILE"):
        return token_file().with_name(var_layout.REPORTS_CHAT_TOKEN.name)
    return var_layout.REPORTS_CHAT_TOKEN


def load_chat_token(create: bool = False) -> Optional[str]:
    """REPORTS_CHAT_TOKEN, else the chat token file (created with create=True)."""
    return _read_or_create("REPORTS_CHAT_TOKEN", chat_token_file(), create)


def client_token() -> Optional[str]:
    """The token a client (the action server) sends: the chat token when it is configured
    (REPORTS_CHAT_TOKEN, or the file the report service writes), else REPORTS_TOKEN / the token
    file. An explicit REPORTS_TOKEN wins over the chat token file (tests, tools)."""
    if (os.environ.get("REPORTS_CHAT_TOKEN") or "").strip():
        return os.environ["REPORTS_CHAT_TOKEN"].strip()
    if (os.environ.get("REPORTS_TOKEN") or "").strip():
        return os.environ["REPORTS_TOKEN"].strip()
    return load_chat_token(create=False) or load_token(create=False)


def host() -> str:
    h = os.environ.get("REPORTS_HOST") or "127.0.0.1"
    if h != "localhost" and not ipaddress.ip_address(h).is_loopback:
        raise ValueError(f"REPORTS_HOST={h} is not a loopback address; the report API binds to "
                         "127.0.0.1 only (put a reverse proxy in front if it must be reachable)")
    return h


def port() -> int:
    return int(os.environ.get("REPORTS_PORT") or 8090)


def api_url() -> str:
    return (os.environ.get("REPORTS_API_URL") or f"http://127.0.0.1:{port()}").rstrip("/")


def outbox_path() -> Path:
    return Path(os.environ.get("REPORTS_OUTBOX") or var_layout.REPORTS_OUTBOX)


def rasa_url() -> str:
    default = f"http://127.0.0.1:{os.environ.get('RASA_PORT') or 5005}"
    return (os.environ.get("RASA_URL") or default).rstrip("/")


def rasa_token() -> Optional[str]:
    return os.environ.get("RASA_TOKEN") or None
