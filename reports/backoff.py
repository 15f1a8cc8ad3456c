"""Retry timing for notifications that failed to be delivered (shared by the web notifier and the
Matrix bridge's status delivery). In memory: after a restart every pending item is tried once."""
from __future__ import annotations

import asyncio
import time
from typing import Callable, Dict


def retry_delay(attempts: int, base: float = 3.0, cap: float = 300.0) -> float:
    """Exponential backoff: 3 s, 6 s, 12 s … at most 5 min."""
    return min(cap, base * (2 ** min(int(attempts or 0), 7)))


class Backoff:
    """When each pending item (by id) may be tried again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._next_try: Dict[str, float] = {}

    def due(self, key: str) -> bool:
        return self._next_try.get(key, 0) <= self.clock()

    def failed(self, key: str, attempts: int) -> None:
        """`attempts`: failures recorded before this one."""
        self._next_try[key] = self.clock() + retry_delay(attempts)

    def succeeded(self, key: str) -> None:
        self._next_try.pop(key, None)


async def wait_woken(wake: asyncio.Event, timeout: float) -> None:
    """Sleep until `wake` is set or `timeout` s passed, then clear it (a delivery loop's pause).

    asyncio.wait, not wait_for: on Python < 3.12 wait_for can swallow a cancellation that arrives
    while the event is being set, and the task would never stop.
    """
    waiter = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({waiter}, timeout=timeout)
    finally:
        waiter.cancel()
    wake.clear()
