"""Bridge-local durable state (SQLite, var/bridge/bridge.db).

Report data lives in reports.store, not here. This holds what the bot needs to be
exactly-once and to remember conversations across restarts:
- kv: sync token, access token / device id (reused so txn ids dedupe across restarts), join times;
- processed: handled event ids (exactly-once on replay after a crash);
- conv: per-user report conversation (lapor) state;
- options: numbered choices (Rasa buttons degraded to text) per user+room;
- relay: operator-room event id -> origin (community room / voice sender) for walkie-talkie;
- pending_jawab: operator said `!jawab #room`; the next m.audio goes there;
- bulletin_text / sent_bulletins: routine bulletins and which (slot, date) were sent.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS processed (event_id TEXT PRIMARY KEY, room_id TEXT, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS conv (user_id TEXT NOT NULL, room_id TEXT NOT NULL, state TEXT NOT NULL,
    updated REAL NOT NULL, PRIMARY KEY (user_id, room_id));
CREATE TABLE IF NOT EXISTS options (user_id TEXT NOT NULL, room_id TEXT NOT NULL, payloads TEXT NOT NULL,
    updated REAL NOT NULL, PRIMARY KEY (user_id, room_id));
CREATE TABLE IF NOT EXISTS relay (event_id TEXT PRIMARY KEY, room_id TEXT NOT NULL, sender TEXT,
    kind TEXT NOT NULL, origin_event TEXT, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pending_jawab (user_id TEXT PRIMARY KEY, target_room TEXT NOT NULL,
    ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS bulletin_text (slot TEXT PRIMARY KEY, text TEXT NOT NULL, updated_by TEXT,
    updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sent_bulletins (slot TEXT NOT NULL, date TEXT NOT NULL, sent_at REAL NOT NULL,
    PRIMARY KEY (slot, date));
"""


class BridgeState:
    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _one(self, sql: str, args=()):
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _exec(self, sql: str, args=()) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # kv
    def get(self, key: str, default: str | None = None) -> str | None:
        row = self._one("SELECT value FROM kv WHERE key=?", (key,))
        return row[0] if row else default

    def set(self, key: str, value: str) -> None:
        self._exec("INSERT INTO kv(key, value) VALUES(?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    # exactly-once
    def is_processed(self, event_id: str) -> bool:
        return self._one("SELECT 1 FROM processed WHERE event_id=?", (event_id,)) is not None

    def mark_processed(self, event_id: str, room_id: str | None = None) -> None:
        self._exec("INSERT OR IGNORE INTO processed(event_id, room_id, ts) VALUES(?, ?, ?)",
                   (event_id, room_id, time.time()))

    def prune_processed(self, older_than_s: float = 7 * 86400) -> None:
        self._exec("DELETE FROM processed WHERE ts < ?", (time.time() - older_than_s,))

    # conversations
    def prune_conversations(self, older_than_s: float) -> int:
        """Forget report drafts (and their personal data) untouched for `older_than_s` seconds
        (RETENTION_DAYS, docs/privacy.md). Returns how many."""
        return self._exec("DELETE FROM conv WHERE updated < ?", (time.time() - older_than_s,))

    def get_conv(self, user_id: str, room_id: str) -> dict | None:
        row = self._one("SELECT state FROM conv WHERE user_id=? AND room_id=?", (user_id, room_id))
        return json.loads(row[0]) if row else None

    def set_conv(self, user_id: str, room_id: str, state: dict) -> None:
        self._exec("INSERT INTO conv(user_id, room_id, state, updated) VALUES(?,?,?,?) "
                   "ON CONFLICT(user_id, room_id) DO UPDATE SET state=excluded.state, "
                   "updated=excluded.updated",
                   (user_id, room_id, json.dumps(state, ensure_ascii=False), time.time()))

    def clear_conv(self, user_id: str, room_id: str) -> None:
        self._exec("DELETE FROM conv WHERE user_id=? AND room_id=?", (user_id, room_id))

    # numbered options
    def get_options(self, user_id: str, room_id: str, max_age_s: float = 3600) -> list[str] | None:
        row = self._one("SELECT payloads, updated FROM options WHERE user_id=? AND room_id=?",
                        (user_id, room_id))
        if not row or time.time() - row[1] > max_age_s:
            return None
        return json.loads(row[0])

    def set_options(self, user_id: str, room_id: str, payloads: list[str]) -> None:
        if not payloads:
            self._exec("DELETE FROM options WHERE user_id=? AND room_id=?", (user_id, room_id))
            return
        self._exec("INSERT INTO options(user_id, room_id, payloads, updated) VALUES(?,?,?,?) "
                   "ON CONFLICT(user_id, room_id) DO UPDATE SET payloads=excluded.payloads, "
                   "updated=excluded.updated",
                   (user_id, room_id, json.dumps(payloads, ensure_ascii=False), time.time()))

    # voice relay
    def add_relay(self, event_id: str, room_id: str, sender: str | None, kind: str,
                  origin_event: str | None = None) -> None:
        self._exec("INSERT OR REPLACE INTO relay(event_id, room_id, sender, kind, origin_event, ts) "
                   "VALUES(?,?,?,?,?,?)", (event_id, room_id, sender, kind, origin_event, time.time()))

    def get_relay(self, event_id: str) -> dict | None:
        row = self._one("SELECT room_id, sender, kind, origin_event FROM relay WHERE event_id=?", (event_id,))
        return ({"room_id": row[0], "sender": row[1], "kind": row[2], "origin_event": row[3]}
                if row else None)

    def set_pending_jawab(self, user_id: str, room_id: str) -> None:
        self._exec("INSERT OR REPLACE INTO pending_jawab(user_id, target_room, ts) VALUES(?,?,?)",
                   (user_id, room_id, time.time()))

    def pop_pending_jawab(self, user_id: str, max_age_s: float = 600) -> str | None:
        row = self._one("SELECT target_room, ts FROM pending_jawab WHERE user_id=?", (user_id,))
        self._exec("DELETE FROM pending_jawab WHERE user_id=?", (user_id,))
        if row and time.time() - row[1] <= max_age_s:
            return row[0]
        return None

    # bulletins
    def set_bulletin_text(self, slot: str, text: str, by: str | None) -> None:
        self._exec("INSERT INTO bulletin_text(slot, text, updated_by, updated) VALUES(?,?,?,?) "
                   "ON CONFLICT(slot) DO UPDATE SET text=excluded.text, updated_by=excluded.updated_by, "
                   "updated=excluded.updated", (slot, text, by, time.time()))

    def get_bulletin_text(self, slot: str) -> str | None:
        row = self._one("SELECT text FROM bulletin_text WHERE slot=?", (slot,))
        return row[0] if row else None

    def mark_bulletin_sent(self, slot: str, date: str) -> bool:
        """Record (slot, date) as sent. True only for the first call."""
        return self._exec("INSERT OR IGNORE INTO sent_bulletins(slot, date, sent_at) VALUES(?,?,?)",
                          (slot, date, time.time())) == 1

    def bulletin_sent(self, slot: str, date: str) -> bool:
        return self._one("SELECT 1 FROM sent_bulletins WHERE slot=? AND date=?", (slot, date)) is not None
