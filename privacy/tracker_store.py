"""Rasa tracker stores that keep no NIK, phone number or e-mail address, and keep conversations
only RETENTION_DAYS (Rasa venv only: imports rasa).

endpoints (written by scripts/servers.py write_endpoints; endpoints.yml, deploy/endpoints.docker.yml):

    tracker_store:
      type: privacy.tracker_store.MaskedSQLTrackerStore     # dialect/db/... as for type: SQL
    tracker_store:
      type: privacy.tracker_store.MaskedRedisTrackerStore   # url/port/db/password as for type: redis

What is persisted is masked (privacy.masking.mask_event): user texts, parse_data texts and entity
values, slot values and bot texts (the Polres' own published contacts stay readable). The
tracker of the turn being processed is not changed, so an action in the same turn still sees the
value as typed; from the next turn on the conversation holds the masked value.

SQLite (the default store of `make run`) runs in WAL mode with synchronous=NORMAL and pooled
connections (`_tune_sqlite`, docs/performance.md): Rasa's default (rollback journal, a full fsync
per commit, a new connection per query) was the largest single cost of a reply. A committed turn
survives a crash or kill of any process; only a power loss or OS crash can roll back the last
turns before the last checkpoint.

Retention (privacy.retention): the SQL store purges conversations older than RETENTION_DAYS on
its first save after start and then at most once per RETENTION_PURGE_INTERVAL; the Redis store
sets an expiry of RETENTION_DAYS on every save (Rasa's `record_exp`).
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event

from rasa_stores.redis_retry import RetryOnRedisRestart

from . import logs, retention
from .masking import mask_event, public_contacts

logger = logging.getLogger(__name__)

# The Rasa server loads this module from its endpoints: mask its log lines too.
logs.install()


class _Masking:
    """Shared: the public contacts kept readable in bot texts (re-read every 10 minutes)."""

    _keep: frozenset = frozenset()
    _keep_at: float = -1e9

    def keep(self) -> frozenset:
        if time.monotonic() - self._keep_at > 600:
            self._keep = public_contacts()
            self._keep_at = time.monotonic()
        return self._keep

    def masked(self, event: dict) -> dict:
        return mask_event(event, self.keep())


class MaskedSQLTrackerStore(_Masking, SQLTrackerStore):
    """SQLTrackerStore (SQLite, PostgreSQL, ...) that stores masked events and purges old ones."""

    def __init__(self, *args: Any, retention_days: Optional[float] = None,
                 purge_interval: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tune_sqlite(self)
        self.retention_days = float(retention_days or retention.retention_days())
        self.purge_interval = (retention.purge_interval() if purge_interval is None
                               else float(purge_interval))
        self._last_purge: Optional[float] = None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """As SQLTrackerStore.save, with every new event masked before it is written."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = self.masked(event.as_dict())
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data", {}).get("intent", {}) or {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
        self.maybe_purge()

    def maybe_purge(self, now: Optional[float] = None) -> Optional[retention.Purged]:
        """Purge when the last purge is older than purge_interval (or never ran)."""
        mono = time.monotonic()
        if self._last_purge is not None and mono - self._last_purge < self.purge_interval:
            return None
        self._last_purge = mono
        try:
            return self.purge(now)
        except Exception:  # noqa: BLE001 - a failed purge must not lose the conversation
            logger.exception("tracker retention purge failed; retrying in %.0f s", self.purge_interval)
            return None

    def purge(self, now: Optional[float] = None) -> retention.Purged:
        """Delete conversations older than retention_days (privacy.retention rules)."""
        cut = retention.cutoff(self.retention_days, now)
        with self.engine.begin() as conn:
            result = retention.purge_sql(lambda sql, params: conn.execute(sa.text(sql), params),
                                         cut, "tracker store (SQL)")
        if result.events:
            logger.info("retention: %s (older than %.0f days)", result.line(), self.retention_days)
        return result


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _tune_sqlite(store: SQLTrackerStore) -> None:
    """SQLite only: WAL journal, synchronous=NORMAL, a small pool instead of SQLAlchemy 1.4's
    NullPool (a new connection per query). Other dialects are left as Rasa configures them."""
    if store.engine.dialect.name != "sqlite" or store.engine.url.database in (None, "", ":memory:"):
        return
    url = store.engine.url
    store.engine.dispose()
    store.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=8,
                                    connect_args={"check_same_thread": False})
    event.listen(store.engine, "connect", _pragmas)
    store.sessionmaker = sa.orm.session.sessionmaker(bind=store.engine)


class MaskedRedisTrackerStore(RetryOnRedisRestart, _Masking, RedisTrackerStore):
    """RedisTrackerStore that stores masked trackers which expire RETENTION_DAYS after their
    last save (unless `record_exp` is given in the endpoints), and waits out a Redis restart
    (rasa_stores.redis_retry) instead of acknowledging a turn it could not store."""

    def __init__(self, *args: Any, record_exp: Optional[float] = None, **kwargs: Any) -> None:
        if not record_exp:
            record_exp = int(retention.retention_days() * retention.DAY)
        super().__init__(*args, record_exp=record_exp, **kwargs)

    def serialise_tracker(self, tracker: DialogueStateTracker) -> Text:  # type: ignore[override]
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = [self.masked(e) for e in dialogue.get("events") or []]
        return json.dumps(dialogue)
