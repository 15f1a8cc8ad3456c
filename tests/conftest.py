"""Shared fixtures for every test suite (standard library only: both venvs load this file).

One Rasa server and one action server serve the whole test session, because loading a model takes
about two minutes. `make test` starts them once and exports RASA_URL and ACTIONS_URL; a plain
`pytest` run without those variables starts them here, once, and stops them at the end.
"""
from __future__ import annotations

import json
import os
import tempfile
import urllib.request
import uuid
from pathlib import Path

import pytest

from devtools.net import wait_http
from scripts import servers

# What `servers.py up` hands to the tests (scripts/test.sh exports them; else set here).
STACK_KEYS = ("RASA_URL", "ACTIONS_URL", "RASA_TOKEN", "WEBCHAT_URL", "EDGE_URL")


@pytest.fixture(scope="session")
def _assistant():
    if os.environ.get("RASA_URL") and os.environ.get("ACTIONS_URL"):
        wait_http(os.environ["ACTIONS_URL"] + "/health", 120, what="action server")
        wait_http(servers.with_token(os.environ["RASA_URL"] + "/status"), 400, what="Rasa")
        yield os.environ["RASA_URL"], os.environ["ACTIONS_URL"]
        return
    state = Path(tempfile.mkdtemp(prefix="rasa-test-")) / "servers.json"
    servers.cmd_up(state)
    urls = json.loads(state.read_text())
    # every caller of Rasa's API in this process (tests, report API, bridge) uses this run's token
    os.environ.update({k: str(urls[k]) for k in STACK_KEYS})
    try:
        yield urls["RASA_URL"], urls["ACTIONS_URL"]
    finally:
        servers.cmd_down(state)


@pytest.fixture(scope="session")
def rasa_url(_assistant) -> str:
    """Base URL of the running Rasa server (REST + socket.io, --enable-api behind RASA_TOKEN)."""
    return _assistant[0]


@pytest.fixture(scope="session")
def edge_url(_assistant) -> str:
    """Base URL of the test run's edge (Caddy, deploy/caddy/Caddyfile.dev) in front of the web
    chat server and Rasa's socket.io channel (`servers.py up` starts all three)."""
    if not os.environ.get("EDGE_URL"):
        pytest.fail("EDGE_URL is not set: start the servers with `scripts/servers.py up STATE.json` "
                    "(it starts the edge too) and export EDGE_URL from STATE.json")
    return os.environ["EDGE_URL"]


@pytest.fixture(scope="session")
def actions_url(_assistant) -> str:
    """Base URL of the running action server."""
    return _assistant[1]


def post_json(url: str, payload: dict, timeout: float = 60) -> object:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


@pytest.fixture(scope="session")
def chat(rasa_url):
    """chat(sender, text) -> list of bot messages from the REST channel."""
    def _chat(sender: str, text: str) -> list[dict]:
        return post_json(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
    return _chat


@pytest.fixture
def conv(chat):
    """conv() -> say(text) -> (reply text, buttons) within one fresh conversation."""
    def _new():
        sender = f"test-conv-{uuid.uuid4().hex[:12]}"

        def say(text: str):
            messages = chat(sender, text)
            reply = "\n".join(m.get("text") or "" for m in messages)
            buttons = [b for m in messages for b in (m.get("buttons") or [])]
            return reply, buttons

        return say
    return _new


@pytest.fixture(scope="session")
def parse(rasa_url):
    """parse(text) -> the NLU result of /model/parse."""
    def _parse(text: str) -> dict:
        return post_json(servers.with_token(f"{rasa_url}/model/parse"), {"text": text})
    return _parse
