"""PostgreSQL as tracker store (`TRACKER_DB_URL=postgresql://... make run`): the masking SQL tracker
store (privacy.tracker_store.MaskedSQLTrackerStore, dialect postgresql) against a real PostgreSQL
server started by this test (Debian's postgresql, devtools/postgres.py), with the real model and a
real action server. A conversation is stored masked, survives a Rasa restart (the first Rasa is
killed with SIGKILL) and goes on from where it was."""
from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from devtools import postgres
from devtools.net import free_port
from scripts import servers

pytestmark = pytest.mark.skipif(postgres.bin_dir() is None,
                                reason="PostgreSQL missing: scripts/system_deps.sh installs it")

NIK = "3325011203850001"
TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def pg():
    with postgres.TempPostgres() as server:
        yield server


@pytest.fixture(scope="module")
def stack():
    s = servers.Stack(Path(tempfile.mkdtemp(prefix="rasa-pg-")) / "logs")
    try:
        yield s
    finally:
        s.stop()


def chat(url: str, sender: str, text: str) -> str:
    r = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    r.raise_for_status()
    return " ".join(m.get("text") or "" for m in r.json())


def stored_events(pg_url: str, sender: str) -> list[dict]:
    import psycopg2
    with psycopg2.connect(pg_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        return [json.loads(row[0]) for row in cur.fetchall()]


def test_conversation_stored_masked_in_postgres_and_read_back_after_restart(pg, stack):
    endpoints = servers.write_endpoints(stack.log_dir.parent / "endpoints.yml",
                                        servers.start_actions(stack, free_port()), sql_url=pg.url)
    text = endpoints.read_text()
    assert "dialect: postgresql" in text and "MaskedSQLTrackerStore" in text
    model = servers.current_model()
    first = servers.start_rasa(stack, free_port(), endpoints, model, name="rasa-pg-1", token=TOKEN)
    sender = f"pg-{uuid.uuid4().hex}"
    chat(first, sender, f"nik saya {NIK}")
    answer = chat(first, sender, "berapa biaya skck")
    assert "Rp30.000" in answer, answer

    rows = stored_events(pg.url, sender)
    raw = json.dumps(rows)
    assert NIK not in raw and "3325**********01" in raw  # stored masked, in PostgreSQL
    assert [e["text"] for e in rows if e["event"] == "user"] == ["nik saya 3325**********01",
                                                                 "berapa biaya skck"]

    stack.kill("rasa-pg-1")  # no graceful shutdown: only what was committed survives
    second = servers.start_rasa(stack, free_port(), endpoints, model, name="rasa-pg-2", token=TOKEN)
    tracker = requests.get(servers.with_token(f"{second}/conversations/{sender}/tracker", TOKEN),
                           timeout=60).json()
    users = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert users == ["nik saya 3325**********01", "berapa biaya skck"], users
    bots = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
    assert any("Rp30.000" in b for b in bots), bots
    # the conversation goes on from the stored subject: a topic-less follow-up is about SKCK
    follow = chat(second, sender, "syaratnya apa aja?")
    assert "SKCK" in follow.upper(), follow
    assert len([e for e in stored_events(pg.url, sender) if e["event"] == "user"]) == 3
