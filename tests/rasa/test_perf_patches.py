"""The performance cuts of docs/performance.md that touch Rasa internals or its stores, checked
on the real classes (no server needed):
- channels.faults.install() replaces RemoteAction._validate_action_result with a validator whose
  schema is checked once; it accepts and rejects exactly what jsonschema.validate does;
- a slow action call is not taken for a hung action server when the server answered another
  call meanwhile (under load, a false "hung" verdict opened the circuit breaker: fault replies);
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


def test_slow_call_is_not_hung_when_the_server_answers_other_calls():
    from channels import limits

    async def scenario() -> tuple[bool, bool]:
        loop = asyncio.get_running_loop()
        slow = loop.create_future()

        async def meanwhile() -> None:
            await asyncio.sleep(0.2)
            faults.BREAKER.reset()  # what run() does when another call got its answer
            await asyncio.sleep(limits.ACTION_TIMEOUT_S + 0.3)
            slow.set_result([])

        helper = asyncio.ensure_future(meanwhile())
        # endpoint None: the health probe fails, as it did on the loaded event loop
        answered = await faults._answer_or_hung(slow, None)
        await helper
        silent = loop.create_future()  # a hung server answers nobody
        hung = not await faults._answer_or_hung(silent, None)
        return answered, hung

    assert asyncio.run(scenario()) == (True, True)


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


def test_sqlite_reads_equal_rasas_own_across_sessions(tmp_path):
    """Our _retrieve / _additional_events (data column only, count in SQL) give what Rasa's own
    SQLTrackerStore methods give on the same database, with two conversation sessions."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered

    from privacy.tracker_store import MaskedSQLTrackerStore

    domain = Domain.load(str(ROOT / "rasa_project" / "domain"))
    store = MaskedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))

    async def scenario() -> None:
        fresh = await store.get_or_create_tracker("warga-3")  # a new conversation, saved once
        fresh.update(SessionStarted())
        fresh.update(UserUttered("halo", {"name": "sapaan_halo", "confidence": 1.0}))
        with store.session_scope() as session_:
            rasas = list(SQLTrackerStore._additional_events(store, session_, fresh))
        await store.save(fresh)  # the shortcut after the first save
        assert len(rasas) == 2
        assert [e.as_dict() for e in (await store.retrieve_full_tracker("warga-3")).events] == [
            e.as_dict() for e in fresh.events]
        trk = await store.get_or_create_tracker("warga-2", append_action_listen=False)
        for session, texts_ in enumerate((["halo", "syarat sim"], ["biaya skck", "makasih"])):
            trk.update(SessionStarted(timestamp=1000.0 + 100 * session))
            for i, text in enumerate(texts_):
                at = 1001.0 + 100 * session + i
                trk.update(UserUttered(text, {"name": "sapaan_halo", "confidence": 1.0}, timestamp=at))
                trk.update(ActionExecuted("action_listen", timestamp=at + 0.5))
                with store.session_scope() as session_:
                    ours = list(store._additional_events(session_, trk))
                    rasas = list(SQLTrackerStore._additional_events(store, session_, trk))
                assert ours == rasas and ours
                await store.save(trk)
        for step in range(3):  # as the processor: retrieve, add the turn's events, save
            trk = await store.retrieve("warga-2")
            copy = trk.copy()
            trk.update(UserUttered(f"lagi {step}", {"name": "sapaan_halo", "confidence": 1.0},
                                   timestamp=1200.0 + step))
            copy.update(UserUttered("salinan", {"name": "sapaan_halo", "confidence": 1.0}))
            with store.session_scope() as session_:
                rasas = list(SQLTrackerStore._additional_events(store, session_, trk))
                assert list(store._additional_events(session_, copy)) == [copy.events[-1]]  # counted
                await store.retrieve("warga-2")  # a read in between: no shortcut for trk
                assert list(store._additional_events(session_, trk)) == rasas == [trk.events[-1]]
            trk = await store.retrieve("warga-2")
            trk.update(UserUttered(f"simpan {step}", {"name": "sapaan_halo", "confidence": 1.0},
                                   timestamp=1300.0 + step))
            with store.session_scope() as session_:
                rasas = list(SQLTrackerStore._additional_events(store, session_, trk))
            await store.save(trk)  # the shortcut: exactly the new event is written
            assert [e.as_dict() for e in rasas] == [trk.events[-1].as_dict()]
            saved = await store.retrieve("warga-2")
            assert [e.as_dict() for e in saved.events] == [e.as_dict() for e in trk.events]
        sizes = []
        for all_sessions in (False, True):
            ours = await store._retrieve("warga-2", all_sessions)
            rasas = await SQLTrackerStore._retrieve(store, "warga-2", all_sessions)
            assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events]
            sizes.append(len(ours.events))
        assert 0 < sizes[0] < sizes[1]  # the latest session only, then both
        assert await store._retrieve("nobody", False) is None

    asyncio.run(scenario())
