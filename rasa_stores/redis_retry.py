"""Redis tracker store behaviour that waits out a Redis restart instead of losing the turn.

Rasa wraps every tracker store in a FailSafeTrackerStore: when a save fails (Redis restarting),
the tracker goes to an in-memory store and the user still gets the answer, but the turn never
reaches Redis; the next save merges with what Redis holds, so the acknowledged turn is gone
(tests/rasa/test_supervise.py measured it). Likewise a failed read makes Rasa start a new
conversation. `RetryOnRedisRestart` retries reads and writes on connection errors with a short
backoff for up to `retry_seconds` (30 s: a Redis restart takes a few seconds), so the answer is
sent only after the turn is stored. It is mixed into privacy.tracker_store.MaskedRedisTrackerStore
(the Redis store scripts/servers.py writes into the endpoints); Rasa venv only.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import Any, Callable, Optional

logger = logging.getLogger(__name__)


async def retry_redis(what: str, call: Callable[[], Any], retry_seconds: float,
                      log: logging.Logger = logger) -> Any:
    """call() (awaited when it returns an awaitable), retried on Redis connection errors with a
    backoff of 0.1 s doubling up to 2 s, for up to retry_seconds; then the last error is raised.
    Shared by the tracker store (below) and the lock store (rasa_stores/lock_store.py)."""
    import redis
    deadline = time.monotonic() + retry_seconds
    delay = 0.1
    while True:
        try:
            result = call()
            return await result if inspect.isawaitable(result) else result
        except (redis.ConnectionError, redis.TimeoutError) as exc:  # BusyLoadingError included
            if time.monotonic() + delay > deadline:
                raise
            log.warning("Redis unavailable during %s (%s); retrying in %.1f s", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


class RetryOnRedisRestart:
    """Mixin placed before a rasa RedisTrackerStore in the bases."""

    def __init__(self, *args: Any, retry_seconds: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_seconds = float(retry_seconds)

    async def _retrying(self, what: str, fn, *args: Any) -> Any:
        return await retry_redis(what, lambda: fn(*args), self.retry_seconds)

    async def save(self, tracker, timeout: Optional[float] = None) -> None:
        await self._retrying("save", super().save, tracker, timeout)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool):
        return await self._retrying("retrieve", super()._retrieve, sender_id, fetch_all_sessions)
