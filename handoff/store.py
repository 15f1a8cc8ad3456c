"""Handoff tickets and their transcript (SQLite; standard library only).

A ticket: channel (web|matrix), the citizen's sender id and a shown label (pseudonym or Matrix
user), subject, masked last turns, status and timings (asked / claimed / missed / ended, and who).
Statuses:
  menunggu  waiting for an operator; the citizen's messages go to the thread
  diambil   claimed by an operator; messages go both ways
  titip     nobody claimed it in time (or outside service hours): the citizen may leave one message
  selesai   handed back to the bot (ended by an operator, or after a left message)
  terlewat  missed and closed (no message left)
Every message (citizen, officer, system notice to the citizen) is a row of `messages`, keyed by
the id of its source event (idempotent), with the time it was delivered: a message is recorded
first and delivered after, so a restart re-delivers what was not delivered, and nothing twice.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

ACTIVE = ("menunggu", "diambil", "titip")
OPEN = ("menunggu", "diambil")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kanal TEXT NOT NULL, warga TEXT NOT NULL, label TEXT NOT NULL,
    ruang TEXT, balas_ke TEXT, subjek TEXT NOT NULL, giliran TEXT NOT NULL,
    status TEXT NOT NULL, alasan TEXT, thread_root TEXT,
    diminta REAL NOT NULL, diambil REAL, diambil_oleh TEXT, nama_petugas TEXT,
    terlewat REAL, selesai REAL, selesai_oleh TEXT);
CREATE INDEX IF NOT EXISTS tickets_warga ON tickets (kanal, warga, status);
CREATE INDEX IF NOT EXISTS tickets_root ON tickets (thread_root);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tiket INTEGER NOT NULL REFERENCES tickets(id),
    dari TEXT NOT NULL,            -- warga | petugas | sistem (a notice to the citizen) | operator
    teks TEXT NOT NULL, nama TEXT, sumber TEXT UNIQUE,
    dibuat REAL NOT NULL, terkirim REAL, ref TEXT);
CREATE INDEX IF NOT EXISTS messages_pending ON messages (terkirim);
"""


def pseudonym(warga: str) -> str:
    """A stable pseudonymous id of a web session (the session id itself is never shown)."""
    return "W-" + hashlib.sha256(warga.encode()).hexdigest()[:8].upper()


def ticket_code(ticket_id: int) -> str:
    return f"H-{ticket_id:05d}"


class HandoffStore:
    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()  # create() reads inside its transaction
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, args=()) -> list[dict]:
        with self._lock:
            return [self._ticket(dict(r)) for r in self._db.execute(sql, args).fetchall()]

    @staticmethod
    def _ticket(row: dict) -> dict:
        if "giliran" in row and isinstance(row["giliran"], str):
            row["giliran"] = json.loads(row["giliran"])
            row["kode"] = ticket_code(row["id"])
        return row

    def _one(self, sql: str, args=()) -> dict | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    def _exec(self, sql: str, args=()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    # ------------------------------------------------------------------ tickets
    def create(self, kanal: str, warga: str, label: str, subjek: str, giliran: list[dict],
               ruang: str | None = None, balas_ke: str | None = None, status: str = "menunggu",
               alasan: str | None = None, now: float | None = None) -> tuple[dict, bool]:
        """(ticket, created): the citizen's active ticket when there is one, else a new one."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT id FROM tickets WHERE kanal=? AND warga=? AND status IN (?,?,?)",
                    (kanal, warga, *ACTIVE)).fetchone()
                if row:
                    self._db.execute("COMMIT")
                    return self.get(row[0]), False
                now = time.time() if now is None else now
                cur = self._db.execute(
                    "INSERT INTO tickets(kanal, warga, label, ruang, balas_ke, subjek, giliran, "
                    "status, alasan, diminta, terlewat) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                    (kanal, warga, label, ruang, balas_ke, subjek,
                     json.dumps(giliran, ensure_ascii=False), status, alasan, now,
                     now if status == "titip" else None))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return self.get(cur.lastrowid), True

    def get(self, ticket_id: int) -> dict | None:
        return self._one("SELECT * FROM tickets WHERE id=?", (ticket_id,))

    def active_for(self, kanal: str, warga: str) -> dict | None:
        return self._one("SELECT * FROM tickets WHERE kanal=? AND warga=? AND status IN (?,?,?) "
                         "ORDER BY id DESC LIMIT 1", (kanal, warga, *ACTIVE))

    def by_root(self, event_id: str | None) -> dict | None:
        if not event_id:
            return None
        return self._one("SELECT * FROM tickets WHERE thread_root=?", (event_id,))

    def set_root(self, ticket_id: int, event_id: str) -> None:
        self._exec("UPDATE tickets SET thread_root=? WHERE id=?", (event_id, ticket_id))

    def without_root(self) -> list[dict]:
        return self._rows("SELECT * FROM tickets WHERE thread_root IS NULL ORDER BY id")

    def set_reply_target(self, ticket_id: int, ruang: str, event_id: str) -> None:
        self._exec("UPDATE tickets SET ruang=?, balas_ke=? WHERE id=?", (ruang, event_id, ticket_id))

    def open_tickets(self) -> list[dict]:
        return self._rows("SELECT * FROM tickets WHERE status IN (?,?,?) ORDER BY id", ACTIVE)

    def recent(self, limit: int = 20) -> list[dict]:
        return self._rows("SELECT * FROM tickets ORDER BY id DESC LIMIT ?", (limit,))

    def claim(self, ticket_id: int, who: str, name: str, now: float | None = None) -> bool:
        """True when this call claimed the waiting ticket (False: already claimed or closed)."""
        now = time.time() if now is None else now
        cur = self._exec("UPDATE tickets SET status='diambil', diambil=?, diambil_oleh=?, "
                         "nama_petugas=? WHERE id=? AND status='menunggu'", (now, who, name, ticket_id))
        return cur.rowcount == 1

    def end(self, ticket_id: int, who: str, status: str = "selesai", now: float | None = None) -> bool:
        """Close an active ticket; True when this call closed it."""
        now = time.time() if now is None else now
        cur = self._exec("UPDATE tickets SET status=?, selesai=?, selesai_oleh=? "
                         "WHERE id=? AND status IN (?,?,?)", (status, now, who, ticket_id, *ACTIVE))
        return cur.rowcount == 1

    def miss(self, ticket_id: int, alasan: str, now: float | None = None) -> bool:
        """Nobody claimed it: status titip (the citizen may leave one message)."""
        now = time.time() if now is None else now
        cur = self._exec("UPDATE tickets SET status='titip', terlewat=?, alasan=? "
                         "WHERE id=? AND status='menunggu'", (now, alasan, ticket_id))
        return cur.rowcount == 1

    def waiting_since(self, before: float) -> list[dict]:
        return self._rows("SELECT * FROM tickets WHERE status='menunggu' AND diminta<? ORDER BY id",
                          (before,))

    def titip_since(self, before: float) -> list[dict]:
        return self._rows("SELECT * FROM tickets WHERE status='titip' AND terlewat<? ORDER BY id",
                          (before,))

    # ------------------------------------------------------------------ messages
    def add_message(self, ticket_id: int, dari: str, teks: str, sumber: str | None = None,
                    nama: str | None = None) -> tuple[dict, bool]:
        """(message, created); a second call with the same `sumber` returns the first message."""
        if sumber:
            old = self.message_by_source(sumber)
            if old:
                return old, False
        try:
            cur = self._exec("INSERT INTO messages(tiket, dari, teks, nama, sumber, dibuat) "
                             "VALUES(?,?,?,?,?,?)", (ticket_id, dari, teks, nama, sumber, time.time()))
        except sqlite3.IntegrityError:
            return self.message_by_source(sumber), False
        return self.message(cur.lastrowid), True

    def message(self, msg_id: int) -> dict | None:
        return self._one("SELECT * FROM messages WHERE id=?", (msg_id,))

    def message_by_source(self, sumber: str) -> dict | None:
        return self._one("SELECT * FROM messages WHERE sumber=?", (sumber,))

    def mark_delivered(self, msg_id: int, ref: str | None = None) -> None:
        self._exec("UPDATE messages SET terkirim=?, ref=? WHERE id=? AND terkirim IS NULL",
                   (time.time(), ref, msg_id))

    def undelivered(self) -> list[dict]:
        return self._rows("SELECT * FROM messages WHERE terkirim IS NULL ORDER BY id")

    def transcript(self, ticket_id: int) -> list[dict]:
        return self._rows("SELECT * FROM messages WHERE tiket=? ORDER BY id", (ticket_id,))

    def public(self, ticket: dict[str, Any]) -> dict[str, Any]:
        """The ticket as the API shows it, with its transcript."""
        out = {k: v for k, v in ticket.items() if k != "warga"}
        out["transkrip"] = [{k: m[k] for k in ("dari", "teks", "nama", "dibuat", "terkirim")}
                            for m in self.transcript(ticket["id"])]
        return out
