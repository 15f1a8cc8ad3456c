"""Waiting on a condition with a deadline instead of sleeping a fixed time (standard library only).

    wait_until(lambda: path.exists(), 30, "the state file")             # blocking code
    await async_wait_until(lambda: svc.ready, 30, "the bridge's first sync")  # in a coroutine

Both poll `predicate` until it returns something truthy and return that value; when the deadline
passes they raise TimeoutError naming `what` (and the last exception the predicate raised, if any),
so a test fails loudly instead of racing ahead. `predicate` may be a coroutine function for
async_wait_until.
"""
from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable


def _timeout(what: str, timeout: float, last_exc: BaseException | None) -> TimeoutError:
    note = f" (last error: {last_exc!r})" if last_exc is not None else ""
    return TimeoutError(f"timed out after {timeout:g} s waiting for {what}{note}")


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1,
               ignore: tuple[type[BaseException], ...] = ()) -> Any:
    """Polls predicate() until truthy; returns its value. Exceptions of the types in `ignore`
    count as "not yet"; anything else propagates at once."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except ignore as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            raise _timeout(what, timeout, last_exc)
        time.sleep(interval)


async def async_wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1,
                           ignore: tuple[type[BaseException], ...] = ()) -> Any:
    """Like wait_until, for a coroutine: sleeps with asyncio.sleep so the event loop keeps running.
    predicate may return an awaitable."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
        except ignore as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            raise _timeout(what, timeout, last_exc)
        await asyncio.sleep(interval)
