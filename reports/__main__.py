"""`python -m reports`: run the report API standalone on 127.0.0.1 (`.venv/bridge`).

Normally the Matrix bridge hosts the API in its own process; this entry point is for running the
web-chat side without the bridge, and for tests. See reports/config.py for the environment.
"""
from __future__ import annotations

import logging
import os
import sys

from aiohttp import web

from privacy import logs as privacy_logs

from . import config
from .api import make_app
from .store import open_store


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    privacy_logs.install()  # mask NIK, phone, e-mail, status codes (privacy/logs.py)
    try:
        host = config.host()
    except ValueError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    had_token = bool(config.load_token(create=False))
    token = config.load_token(create=True)
    if not token or len(token) < 16:
        print("ERROR: REPORTS_TOKEN must be at least 16 characters", file=sys.stderr)
        return 2
    if not had_token:
        print(f"reports: generated a new API token in {config.token_file()} (mode 600); clients "
              "read it from there or from REPORTS_TOKEN", flush=True)
    elif not os.environ.get("REPORTS_TOKEN"):
        print(f"reports: using the API token in {config.token_file()}", flush=True)
    store = open_store()
    # the chat token file is created next to the token file (not when the token comes from the
    # environment: tests and containers pass both tokens that way)
    chat_token = config.load_chat_token(create=not os.environ.get("REPORTS_TOKEN"))
    app = make_app(store, token, chat_token=chat_token)
    port = config.port()
    print(f"reports: API on http://{host}:{port} (db: {store.path or 'postgresql'}, "
          f"outbox: {config.outbox_path()}, rasa: {config.rasa_url()})", flush=True)
    try:
        web.run_app(app, host=host, port=port, print=None, access_log=None,
                    handle_signals=True, shutdown_timeout=5)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
