"""Retention of conversations and reports (UU 27/2022 PDP): how long, and the purges.

Standard library only (redis-py only for `purge_redis`). Used by the tracker store (automatic
purge, at most once per RETENTION_PURGE_INTERVAL), by `make purge` (scripts/purge.py) and by the
report store (closed reports).

Environment:
  RETENTION_DAYS            conversations (tracker store) kept this many days after their last
                            message (default 30)
  REPORTS_RETENTION_DAYS    closed reports (selesai, ditolak) kept this many days after their last
                            change (default 365); open reports are never purged
  RETENTION_PURGE_INTERVAL  seconds between automatic tracker purges (default 3600)

SQL tracker store (Rasa's `events` table, SQLite or PostgreSQL), two rules:
  1. a conversation whose newest event is older than the cut-off is deleted whole;
  2. in a conversation still in use, events older than the cut-off that belong to an earlier
     session (before its newest `session_started`) are deleted. Rasa reads and appends only the
     newest session, so the conversation keeps working.
Redis: every tracker key expires RETENTION_DAYS after its last save (`record_exp`); `purge_redis`
also handles keys written before that (no expiry yet).
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

DEFAULT_DAYS = 30
DEFAULT_REPORTS_DAYS = 365
DAY = 86400.0


def _days(name: str, default: int) -> float:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return float(default)
    value = float(raw)
    if value <= 0:
        raise ValueError(f"{name}={raw}: must be a positive number of days")
    return value


def retention_days() -> float:
    return _days("RETENTION_DAYS", DEFAULT_DAYS)


def reports_retention_days() -> float:
    return _days("REPORTS_RETENTION_DAYS", DEFAULT_REPORTS_DAYS)


def purge_interval() -> float:
    return float(os.environ.get("RETENTION_PURGE_INTERVAL") or 3600)


def cutoff(days: float, now: Optional[float] = None) -> float:
    """Unix time before which data is purged."""
    return (time.time() if now is None else now) - days * DAY


@dataclass
class Purged:
    """What a purge removed."""
    where: str
    conversations: int = 0
    events: int = 0
    senders: List[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.where}: {self.conversations} percakapan dihapus seluruhnya, "
                f"{self.events} event dihapus")


# `:cutoff` placeholders work with sqlite3 and SQLAlchemy's text().
SQL_OLD_SENDERS = ("SELECT sender_id FROM events GROUP BY sender_id "
                   "HAVING MAX(timestamp) < :cutoff")
SQL_DELETE_OLD_SENDERS = ("DELETE FROM events WHERE sender_id IN (SELECT sender_id FROM events "
                          "GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)")
SQL_DELETE_OLD_SESSIONS = (
    "DELETE FROM events WHERE timestamp < :cutoff AND timestamp < ("
    "SELECT MAX(s.timestamp) FROM events s WHERE s.sender_id = events.sender_id "
    "AND s.type_name = 'session_started')")


def purge_sql(execute: Callable[[str, dict], "object"], cut: float, where: str) -> Purged:
    """Run the two SQL rules with `execute(sql, params)` (returns a cursor/result with
    fetchall() for SELECT and rowcount for DELETE); the caller commits."""
    senders = [row[0] for row in execute(SQL_OLD_SENDERS, {"cutoff": cut}).fetchall()]
    whole = execute(SQL_DELETE_OLD_SENDERS, {"cutoff": cut}).rowcount or 0
    older = execute(SQL_DELETE_OLD_SESSIONS, {"cutoff": cut}).rowcount or 0
    return Purged(where, conversations=len(senders), events=whole + older, senders=senders)


def purge_sqlite(db_path: Path, days: Optional[float] = None, now: Optional[float] = None) -> Purged:
    """Purge a SQLite tracker database file (nothing to do when it does not exist)."""
    db_path = Path(db_path)
    result = Purged(str(db_path))
    if not db_path.exists():
        return result
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        has_events = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'"
                                  ).fetchone()
        if not has_events:
            return result
        with conn:
            result = purge_sql(conn.execute, cutoff(days or retention_days(), now), str(db_path))
    finally:
        conn.close()
    return result


def _last_timestamp(raw: str) -> Optional[float]:
    try:
        events = json.loads(raw).get("events") or []
    except (ValueError, AttributeError):
        return None
    stamps = [e.get("timestamp") for e in events if isinstance(e, dict)
              and isinstance(e.get("timestamp"), (int, float))]
    return max(stamps) if stamps else None


def purge_redis(client, days: Optional[float] = None, now: Optional[float] = None,
                prefix: str = "tracker:") -> Purged:
    """Delete Redis trackers whose last event is older than the cut-off; give every other
    tracker without an expiry one that ends RETENTION_DAYS after its last event."""
    days = days or retention_days()
    now = time.time() if now is None else now
    cut = cutoff(days, now)
    result = Purged("redis")
    for key in client.scan_iter(match=prefix + "*"):
        raw = client.get(key)
        if raw is None:
            continue
        last = _last_timestamp(raw)
        if last is not None and last < cut:
            n = len(json.loads(raw).get("events") or [])
            client.delete(key)
            result.conversations += 1
            result.events += n
            result.senders.append(key[len(prefix):] if isinstance(key, str) else key)
        elif client.ttl(key) == -1:
            remaining = (last if last is not None else now) + days * DAY - now
            client.expire(key, max(1, int(remaining)))
    return result
