"""A Redis ticket lock store whose every read-modify-write is one atomic Lua script (Rasa venv).

    lock_store:
      type: rasa_stores.lock_store.AtomicRedisLockStore
      url: 127.0.0.1        # host, port, db, password, use_ssl, key_prefix ... as for `type: redis`
      port: 6379
      db: 0
      lock_lifetime: 10     # optional (else TICKET_LOCK_LIFETIME, else 10 s); see below

Rasa's `RedisLockStore` (rasa/core/lock_store.py) keeps a conversation's `TicketLock` as one JSON
value and changes it by GET, change in Python, SET: `issue_ticket`, `update_lock`,
`finish_serving` and `cleanup` are not atomic. Inside one process that is harmless (the calls do
not interleave); two Sanic workers (`WORKERS=N`, compose replicas) taking tickets for the same
conversation at the same moment can both read the same list and both write ticket 0, so both
serve the conversation at once, or one worker's `cleanup` deletes the lock right after the other
added its ticket, which then fails with LockError (a lost turn). docs/scaling.md.

This store keeps Rasa's semantics (tickets served in the order issued, each with a lifetime,
expired tickets dropped, `lock()` as the async context manager the agent uses) and Rasa's value
format (`get_lock` still returns a `TicketLock`), but every change runs server-side in one script:

- `issue`: drop expired tickets, append a ticket numbered from one counter for the whole store
  (`INCR`), so numbers increase and never repeat, even after a conversation's lock was emptied and
  deleted: a worker whose ticket expired can never remove a newer holder's ticket;
- `touch`: drop expired tickets, extend one ticket's lifetime, answer whether it is still queued
  and which ticket is served. Waiters touch their ticket at every poll and the holder every
  `lifetime / 4` s while it serves, so `lock_lifetime` need not exceed the longest turn, only the
  longest stall of a worker's event loop; a killed worker's tickets stop being touched and the
  conversation is free again after at most `lock_lifetime` (Rasa: a fixed 60 s from issue, and a
  waiter queued longer than that lost its turn);
- `finish`: drop the ticket (and expired ones) and delete the lock once no ticket is left; this
  is `finish_serving` and `cleanup` in one step. A lock key also expires by itself one second
  after its last ticket would (a killed worker leaves nothing behind).

Time is Redis's clock (`TIME`), one clock for every worker and machine. A waiter whose ticket
expired (its worker stalled longer than the lifetime) queues again instead of failing. Redis
connection errors on the serving path are retried for `retry_seconds` (a Redis restart), as the
tracker store does (rasa_stores/redis_retry.py). Needs Redis >= 5 (`TIME` before writes in a
script) and a single Redis or primary (the script uses two keys; Rasa's store is not for Redis
Cluster either).
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_stores.redis_retry import retry_redis

logger = logging.getLogger(__name__)

# Under the channels' 20 s reply deadline, so that the conversations of a killed worker are free
# again in time for a real answer; still > 5x the longest event-loop stall measured (docs/scaling.md)
DEFAULT_LIFETIME_S = 10.0
DEFAULT_WAIT_S = 0.25      # poll interval of a waiting ticket (Rasa: 1 s)
REFRESHES_PER_LIFETIME = 4

# KEYS[1] = the conversation's lock key, KEYS[2] = the store's ticket counter. ARGV = op,
# conversation_id, ticket, lifetime (s). Value: Rasa's TicketLock JSON ({"conversation_id",
# "tickets": [json of {"number", "expires"}]}). A ticket is live while expires >= now (Rasa:
# expired if now > expires). `touch` writes only when it drops an expired ticket or extends one
# that has used a fifth of its lifetime (waiters poll every 0.25 s: this keeps them from rewriting
# the value, and Redis's append-only file, at every poll; the holder touches after a quarter of
# the lifetime, so its touch always extends).
SCRIPT = """
local op, conv, ticket, lifetime = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local raw = redis.call('GET', KEYS[1])
if not raw and op ~= 'issue' then
  return {0, -1, ticket}
end
local tickets, dirty = {}, op ~= 'touch'
if raw then
  local lock = cjson.decode(raw)
  if type(lock.tickets) == 'table' then
    for _, item in ipairs(lock.tickets) do
      local t = type(item) == 'string' and cjson.decode(item) or item
      if t.expires >= now then tickets[#tickets + 1] = t else dirty = true end
    end
  end
end
local found = 0
if op == 'issue' then
  ticket = redis.call('INCR', KEYS[2])
  tickets[#tickets + 1] = {number = ticket, expires = now + lifetime}
  found = 1
elseif op == 'touch' then
  for _, t in ipairs(tickets) do
    if t.number == ticket then
      found = 1
      if t.expires - now <= 0.8 * lifetime then t.expires = now + lifetime; dirty = true end
    end
  end
elseif op == 'finish' then
  for i, t in ipairs(tickets) do
    if t.number == ticket then table.remove(tickets, i); found = 1; break end
  end
end
local serving = -1
if #tickets > 0 then serving = tickets[1].number end
if not dirty then
  return {found, serving, ticket}
end
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
  return {found, serving, ticket}
end
local encoded, ttl = {}, 0
for i, t in ipairs(tickets) do
  encoded[i] = cjson.encode(cjson.encode({number = t.number, expires = t.expires}))
  if t.expires - now > ttl then ttl = t.expires - now end
end
redis.call('SET', KEYS[1], '{"conversation_id": ' .. cjson.encode(conv) .. ', "tickets": [' ..
           table.concat(encoded, ', ') .. ']}', 'PX', math.ceil(ttl * 1000) + 1000)
return {found, serving, ticket}
"""


def _setting(cfg: dict, name: str, env: str | None, default: float) -> float:
    value = cfg.pop(name, None) or (os.environ.get(env) if env else None)
    return float(value) if value else default


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore with atomic (Lua) ticket operations and refreshed ticket lifetimes."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        cfg = dict(endpoint_config.kwargs) if endpoint_config is not None else {}
        if endpoint_config is not None and endpoint_config.url:
            cfg["host"] = endpoint_config.url
        cfg.update(kwargs)
        self.lifetime = _setting(cfg, "lock_lifetime", "TICKET_LOCK_LIFETIME", DEFAULT_LIFETIME_S)
        self.wait = _setting(cfg, "wait_time", None, DEFAULT_WAIT_S)
        self.retry_seconds = _setting(cfg, "retry_seconds", None, 30.0)
        super().__init__(**cfg)
        self._script = self.red.register_script(SCRIPT)
        # one counter for the store's tickets; "lock-" cannot begin a lock key ("lock:" + id)
        self.counter_key = self.key_prefix[: -len(DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX)] + "lock-tickets"
        logger.debug(f"Atomic Redis lock store, ticket lifetime {self.lifetime:g} s "
                     f"(refreshed every {self.lifetime / REFRESHES_PER_LIFETIME:g} s while held).")

    # ------------------------------------------------------------------ one atomic step
    def _run(self, op: str, conversation_id: Text, ticket: int = -1,
             lifetime: Optional[float] = None) -> tuple[bool, int, int]:
        """Runs one script step; returns (ticket found, ticket now served or -1, ticket)."""
        found, serving, number = self._script(
            keys=[self.key_prefix + conversation_id, self.counter_key],
            args=[op, conversation_id, ticket, lifetime or self.lifetime])
        return bool(found), int(serving), int(number)

    async def _step(self, op: str, conversation_id: Text, ticket: int = -1,
                    lifetime: Optional[float] = None) -> tuple[bool, int, int]:
        """`_run`, retried with backoff while Redis is unreachable (restarting), up to
        retry_seconds (redis_retry.retry_redis, as the tracker store); then LockError, as Rasa
        raises when it cannot take a lock."""
        import redis
        try:
            return await retry_redis(f"lock {op} for conversation '{conversation_id}'",
                                     lambda: self._run(op, conversation_id, ticket, lifetime),
                                     self.retry_seconds, log=logger)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise LockError(f"Redis unavailable for the lock of conversation "
                            f"'{conversation_id}': {exc}") from exc

    # ------------------------------------------------------------------ Rasa's LockStore interface
    def issue_ticket(self, conversation_id: Text, lock_lifetime: Optional[float] = None) -> int:
        """Issues the next ticket of the conversation's lock (created if missing), atomically."""
        logger.debug(f"Issuing ticket for conversation '{conversation_id}'.")
        try:
            return self._run("issue", conversation_id, lifetime=lock_lifetime)[2]
        except Exception as e:
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def update_lock(self, conversation_id: Text) -> None:
        """Removes the expired tickets of the conversation's lock, atomically."""
        self._run("touch", conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes the ticket (and expired ones), atomically."""
        self._run("finish", conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """finish_serving, which also deletes the lock once no one is waiting (atomically)."""
        self.finish_serving(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: Optional[float] = None,
                   wait_time_in_seconds: Optional[float] = None) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock for the body: takes a ticket, waits until it is served,
        keeps it alive while the body runs, and releases it afterwards (also on errors)."""
        lifetime = float(lock_lifetime or self.lifetime)
        wait = float(wait_time_in_seconds or self.wait)
        ticket = [(await self._step("issue", conversation_id, lifetime=lifetime))[2]]
        try:
            held = await self._acquire_lock(conversation_id, ticket, wait, lifetime)
            started = time.monotonic()
            lag = [0.0]
            keeper = asyncio.ensure_future(self._keep_alive(conversation_id, ticket[0], lifetime, lag))
            try:
                yield held
            finally:
                keeper.cancel()
                logger.debug(f"Releasing ticket {ticket[0]} of conversation '{conversation_id}' after "
                             f"{time.monotonic() - started:.2f} s (event loop blocked up to "
                             f"{lag[0]:.2f} s meanwhile).")
        finally:
            await self._step("finish", conversation_id, ticket[0])

    async def _acquire_lock(self, conversation_id: Text, ticket: Any, wait_time_in_seconds: float,
                            lifetime: Optional[float] = None) -> TicketLock:
        """Waits until ticket[0] is served, touching it at every poll. A ticket that expired while
        waiting (its worker stalled longer than the lifetime) is replaced by a new one at the end of
        the queue: the message is handled later rather than lost."""
        if isinstance(ticket, int):  # Rasa's signature: a plain ticket number
            ticket = [ticket]
        logger.debug(f"Acquiring lock for conversation '{conversation_id}'.")
        while True:
            found, serving, _ = await self._step("touch", conversation_id, ticket[0], lifetime)
            if found and serving == ticket[0]:
                logger.debug(f"Acquired lock for conversation '{conversation_id}'.")
                return self.get_lock(conversation_id) or TicketLock(conversation_id)
            if not found:
                old = ticket[0]
                ticket[0] = (await self._step("issue", conversation_id, lifetime=lifetime))[2]
                logger.warning(f"Ticket {old} of conversation '{conversation_id}' expired while "
                               f"waiting; queued again as ticket {ticket[0]}.")
                continue
            logger.debug(f"Failed to acquire lock for conversation ID '{conversation_id}' because "
                         f"ticket {serving} is served before ticket {ticket[0]}. Retrying in "
                         f"{wait_time_in_seconds} seconds ...")
            await asyncio.sleep(wait_time_in_seconds)

    async def _keep_alive(self, conversation_id: Text, ticket: int, lifetime: float,
                          lag: list[float]) -> None:
        """Extends the served ticket's lifetime every lifetime/4 s while the body runs, and
        measures how long the worker's event loop was blocked meanwhile (lag[0], the longest
        delay of a 0.5 s sleep): a block longer than about 3/4 of the lifetime lets the next
        ticket be served at the same time, so long blocks are logged."""
        import redis
        interval = lifetime / REFRESHES_PER_LIFETIME
        step = min(0.5, interval)
        last = touched = time.monotonic()
        while True:
            await asyncio.sleep(step)
            now = time.monotonic()
            blocked, last = now - last - step, now
            lag[0] = max(lag[0], blocked)
            if blocked > interval:
                logger.warning(f"The event loop was blocked {blocked:.1f} s while serving conversation "
                               f"'{conversation_id}' (ticket lifetime {lifetime:g} s).")
            if now - touched < interval:
                continue
            try:
                found = self._run("touch", conversation_id, ticket, lifetime)[0]
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                logger.warning(f"Could not refresh the lock of conversation '{conversation_id}': {exc}")
                continue
            if not found:
                logger.error(f"Ticket {ticket} of conversation '{conversation_id}' expired while "
                             f"being served ({now - touched:.1f} s since its last refresh, lifetime "
                             f"{lifetime:g} s): another turn of this conversation may run at the "
                             f"same time.")
                return
            touched = now
