"""The performance cuts of docs/performance.md that touch Rasa internals or its stores, checked
on the real classes (no server needed):
- channels.faults.install() replaces RemoteAction._validate_action_result with a validator whose
  schema is checked once; it accepts and rejects exactly what jsonschema.validate does;
- the masking SQL tracker store runs SQLite in WAL mode with synchronous=NORMAL on pooled
  connections, and a saved turn is visible to another connection (another process) at once."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from channels import faults

ROOT = Path(__file__).resolve().parents[2]

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "topik", "value": "sim"}],
     "responses": [{"text": "Syarat SIM baru: KTP.",
                    "buttons": [{"title": "Biaya", "payload": "/sim_biaya"}]}]},
    {"events": [{"event": "action", "name": "action_listen"}, {"event": "followup", "name": "utter_x"}]},
]
INVALID = [
    {"events": "bukan daftar"},
    {"events": [{"event": "slot", "value": "tanpa nama"}]},
    {"events": [{"event": "tidak_dikenal"}]},
    {"events": [{"name": "action_listen"}]},
    {"responses": "bukan daftar"},
]


def test_action_response_validation_is_patched_and_matches_jsonschema():
    faults.install()
    assert RemoteAction._validate_action_result is faults._validate_action_result
    action = RemoteAction("action_jawab_topik", None)
    schema = action.action_response_format_spec()
    for response in VALID:
        jsonschema.validate(response, schema)  # what Rasa itself would do
        assert action._validate_action_result(response) is True
    for response in INVALID:
        with pytest.raises(jsonschema.ValidationError) as rasa_way:
            jsonschema.validate(response, schema)
        with pytest.raises(jsonschema.ValidationError) as ours:
            action._validate_action_result(response)
        assert ours.value.message.startswith(rasa_way.value.message)
        assert "Failed to validate Action server response" in ours.value.message
    assert len(faults._RESPONSE_VALIDATOR) == 1  # built (and the schema checked) once


def test_sqlite_tracker_store_is_wal_pooled_and_durable_for_other_readers(tmp_path):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SessionStarted, UserUttered
    from sqlalchemy.pool import QueuePool

    from privacy.tracker_store import MaskedSQLTrackerStore

    domain = Domain.load(str(ROOT / "rasa_project" / "domain"))
    db = tmp_path / "tracker.db"
    store = MaskedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
    assert isinstance(store.engine.pool, QueuePool)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL

    async def turn(text: str) -> int:
        trk = await store.get_or_create_tracker("warga-1", append_action_listen=False)
        if not trk.events:
            trk.update(SessionStarted())
        trk.update(UserUttered(text, {"name": "sapaan_halo", "confidence": 1.0}))
        await store.save(trk)
        return len(trk.events)

    for text in ("halo", "syarat sim", "biaya skck"):
        stored = asyncio.run(turn(text))
        other = sqlite3.connect(db)  # a separate connection, as another process would open
        assert other.execute("SELECT count(*) FROM events WHERE sender_id='warga-1'").fetchone()[0] == stored
        other.close()
    texts_ = [e.text for e in asyncio.run(store.retrieve("warga-1")).events if hasattr(e, "text")]
    assert texts_ == ["halo", "syarat sim", "biaya skck"]
