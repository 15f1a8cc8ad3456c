"""rasa_stores.lock_store.AtomicRedisLockStore against a real redis-server started here: several
processes and threads on one conversation get unique, increasing tickets and never serve at the
same time; tickets expire, a held ticket is kept alive, a killed holder frees the conversation
after the lifetime; Rasa loads it from an endpoints file like its own stores."""
from __future__ import annotations

import asyncio
import concurrent.futures as cf
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis

from devtools.net import free_port
from devtools.waiting import wait_until
from scripts import redis_server, servers

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server missing: scripts/system_deps.sh installs it")

FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def redis_url():
    stack = servers.Stack(Path(tempfile.mkdtemp(prefix="redis-locks-")) / "logs")
    try:
        yield redis_server.start(stack, free_port(), Path(stack.log_dir).parent / "redis", persist=False)
    finally:
        stack.stop()


def store(url: str, **settings):
    from rasa_stores.lock_store import AtomicRedisLockStore
    client = redis.Redis.from_url(url)
    kw = client.connection_pool.connection_kwargs
    return AtomicRedisLockStore(host=kw["host"], port=kw["port"], db=kw.get("db", 0), **settings)


def conversation() -> str:
    return f"conv-{uuid.uuid4().hex[:10]}"


# ------------------------------------------------------------------ loading, like Rasa does
def test_rasa_loads_it_from_the_endpoints_and_allows_workers(redis_url, tmp_path, monkeypatch):
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.core.utils import number_of_sanic_workers
    from rasa.utils.endpoints import read_endpoint_config

    from rasa_stores.lock_store import AtomicRedisLockStore

    endpoints = servers.write_endpoints(tmp_path / "endpoints.yml", "http://127.0.0.1:9", redis_url=redis_url)
    assert "lock_store:\n  type: rasa_stores.lock_store.AtomicRedisLockStore\n" in endpoints.read_text()
    config = read_endpoint_config(str(endpoints), "lock_store")
    lock_store = LockStore.create(config)
    assert isinstance(lock_store, AtomicRedisLockStore) and isinstance(lock_store, RedisLockStore)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    assert number_of_sanic_workers(config) == 2 and number_of_sanic_workers(lock_store) == 2
    assert lock_store.red.ping()
    # a lifetime in the endpoints wins over TICKET_LOCK_LIFETIME, which wins over the default
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "45")
    assert LockStore.create(config).lifetime == 45
    config.kwargs["lock_lifetime"] = 7
    assert LockStore.create(config).lifetime == 7


def test_interface_and_value_format_match_rasa(redis_url):
    """Rasa's LockStore methods behave as Rasa's; the value is Rasa's TicketLock JSON."""
    s, c = store(redis_url), conversation()
    assert s.get_lock(c) is None and not s.is_someone_waiting(c)
    a, b, d = [s.issue_ticket(c) for _ in range(3)]
    assert a < b < d  # one counter for the store: increasing, never reused
    lock = s.get_lock(c)  # Rasa's own TicketLock.from_dict reads the value
    assert (lock.conversation_id, [t.number for t in lock.tickets]) == (c, [a, b, d])
    assert lock.now_serving == a and not lock.is_locked(a) and lock.is_locked(b)
    assert s.is_someone_waiting(c)
    assert 0 < s.red.pttl(s.key_prefix + c) <= 21_000  # the key goes with its last ticket
    s.finish_serving(c, a)
    assert s.get_lock(c).now_serving == b
    s.cleanup(c, b)
    s.cleanup(c, d)
    # as in Rasa, cleanup deletes the lock once no one waits; numbers still do not restart
    assert not s.is_someone_waiting(c) and not s.red.exists(s.key_prefix + c)
    assert s.issue_ticket(c) > d


# ------------------------------------------------------------------ atomicity under contention
def _issue_many(url: str, conv: str, threads: int, per_thread: int) -> list[list[int]]:
    s = store(url)
    with cf.ThreadPoolExecutor(threads) as ex:
        return list(ex.map(lambda _: [s.issue_ticket(conv, 300) for _ in range(per_thread)],
                           range(threads)))


def test_tickets_are_unique_and_increasing_across_processes_and_threads(redis_url):
    c, procs, threads, per_thread = conversation(), 4, 6, 15
    with cf.ProcessPoolExecutor(procs, mp_context=FORK) as ex:
        results = [seq for f in [ex.submit(_issue_many, redis_url, c, threads, per_thread)
                                 for _ in range(procs)] for seq in f.result()]
    total = procs * threads * per_thread
    assert all(seq == sorted(seq) and len(set(seq)) == len(seq) for seq in results)
    issued = sorted(n for seq in results for n in seq)
    assert len(set(issued)) == total, "a ticket number was issued twice"
    assert [t.number for t in store(redis_url).get_lock(c).tickets] == issued  # queued in order


async def _critical_sections(url: str, conv: str, tasks: int, rounds: int) -> None:
    """Each task enters the conversation's lock `rounds` times and increments a counter with a
    deliberately non-atomic GET, sleep, SET inside; records its (start, end) times."""
    s = store(url, wait_time=0.01)
    r = redis.Redis.from_url(url)

    async def task() -> None:
        for _ in range(rounds):
            async with s.lock(conv):
                start = time.monotonic()
                value = int(r.get(f"{conv}:counter") or 0)
                await asyncio.sleep(0.005)
                r.set(f"{conv}:counter", value + 1)
                r.rpush(f"{conv}:sections", f"{start} {time.monotonic()} {os.getpid()}")
    await asyncio.gather(*(task() for _ in range(tasks)))


def _run_sections(url: str, conv: str, tasks: int, rounds: int) -> None:
    asyncio.run(_critical_sections(url, conv, tasks, rounds))


def test_one_conversation_is_never_served_twice_at_once(redis_url):
    """4 processes x 3 tasks x 8 rounds on one conversation (CLOCK_MONOTONIC is one clock for all
    processes): no lost increment, no two sections overlapping, every process served."""
    c, procs, tasks, rounds = conversation(), 4, 3, 8
    with cf.ProcessPoolExecutor(procs, mp_context=FORK) as ex:
        for f in [ex.submit(_run_sections, redis_url, c, tasks, rounds) for _ in range(procs)]:
            f.result()
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    total = procs * tasks * rounds
    assert int(r.get(f"{c}:counter")) == total
    sections = sorted(tuple(map(float, line.split()[:2])) for line in r.lrange(f"{c}:sections", 0, -1))
    assert len(sections) == total
    overlaps = [(a, b) for a, b in zip(sections, sections[1:], strict=False) if b[0] < a[1]]
    assert not overlaps, overlaps[:3]
    assert len({line.split()[2] for line in r.lrange(f"{c}:sections", 0, -1)}) == procs
    assert not store(redis_url).is_someone_waiting(c)


# ------------------------------------------------------------------ lifetimes
def test_expired_tickets_are_cleaned_and_numbers_not_reused(redis_url):
    s, c = store(redis_url), conversation()
    first = s.issue_ticket(c, 0.3)
    assert s.issue_ticket(c, 0.3) == first + 1
    time.sleep(0.5)
    s.update_lock(c)
    assert s.get_lock(c) is None  # both expired: dropped in Redis, the empty lock deleted
    assert s.issue_ticket(c, 30) > first + 1
    s.issue_ticket(c, 30)
    time.sleep(1.0)
    s.update_lock(c)
    assert len(s.get_lock(c).tickets) == 2


def test_a_touch_rewrites_the_lock_only_when_it_extends_or_drops_a_ticket(redis_url):
    """Waiters touch their ticket at every poll: the value (and Redis's append-only file) is
    rewritten only once a fifth of the lifetime has passed, then with a later expiry."""
    s, c = store(redis_url, lock_lifetime=1.0), conversation()
    ticket = s.issue_ticket(c)
    before = s.red.get(s.key_prefix + c)
    [issued] = s.get_lock(c).tickets
    assert s._run("touch", c, ticket) == (True, ticket, ticket)
    assert s.red.get(s.key_prefix + c) == before
    time.sleep(0.3)
    assert s._run("touch", c, ticket) == (True, ticket, ticket)
    [touched] = s.get_lock(c).tickets
    assert touched.number == ticket and touched.expires > issued.expires + 0.25


def test_a_held_ticket_outlives_its_lifetime_while_the_holder_runs(redis_url):
    """Lifetime 0.6 s, the holder works 2 s: the refresh keeps its ticket, so a second store's
    waiter gets the lock only after the holder released it."""
    c = conversation()
    holder, waiter = store(redis_url, lock_lifetime=0.6), store(redis_url, lock_lifetime=0.6, wait_time=0.05)
    times: dict[str, float] = {}

    async def hold() -> None:
        async with holder.lock(c):
            await asyncio.sleep(2.0)
            times["released"] = time.monotonic()

    async def wait() -> None:
        await asyncio.sleep(0.2)
        async with waiter.lock(c):
            times["acquired"] = time.monotonic()

    async def both() -> None:
        await asyncio.gather(hold(), wait())
    asyncio.run(both())
    assert times["acquired"] >= times["released"], times


def test_a_waiter_whose_ticket_expired_queues_again_instead_of_failing(redis_url):
    """A waiter's worker stalls longer than the lifetime (its ticket expires) while another
    worker (here a thread with its own event loop) serves: the waiter takes a new ticket at the
    end of the queue and is served after the holder, without LockError."""
    c = conversation()
    times: dict[str, float] = {}

    def hold() -> None:
        async def run() -> None:
            async with store(redis_url, lock_lifetime=0.5).lock(c):
                times["holding"] = time.monotonic()
                await asyncio.sleep(1.5)
                times["released"] = time.monotonic()
        asyncio.run(run())

    holder = threading.Thread(target=hold)
    holder.start()
    s = store(redis_url, lock_lifetime=0.5, wait_time=0.05)
    try:
        wait_until(lambda: "holding" in times, 10, "the holder")
        ticket = [s.issue_ticket(c, 0.5)]
        first = ticket[0]
        time.sleep(0.8)  # the stall: no poll touches the waiting ticket
        asyncio.run(s._acquire_lock(c, ticket, 0.05, 0.5))
        times["acquired"] = time.monotonic()
        s.cleanup(c, ticket[0])
    finally:
        holder.join(10)
    assert ticket[0] > first
    assert times["acquired"] >= times["released"], times


def _hold_forever(url: str, conv: str, ready) -> None:
    async def run() -> None:
        async with store(url, lock_lifetime=1.5).lock(conv):
            ready.set()
            await asyncio.sleep(3600)
    asyncio.run(run())


def test_a_killed_holder_frees_the_conversation_after_the_lifetime(redis_url):
    """A worker killed with SIGKILL while serving: its ticket is no longer refreshed, so the next
    ticket is served at most one lifetime (+ a poll) after the kill (Rasa: 60 s from issue)."""
    c = conversation()
    ready = FORK.Event()
    child = FORK.Process(target=_hold_forever, args=(redis_url, c, ready))
    child.start()
    try:
        assert ready.wait(30)
        time.sleep(2.0)  # longer than the lifetime: the holder's refreshes keep the ticket
        assert store(redis_url).get_lock(c).tickets, "the holder's ticket expired while it ran"
        os.kill(child.pid, signal.SIGKILL)
        killed = time.monotonic()
        s = store(redis_url, lock_lifetime=1.5, wait_time=0.05)

        async def take() -> float:
            async with s.lock(c):
                return time.monotonic() - killed
        waited = asyncio.run(take())
    finally:
        child.kill()
        child.join(10)
    assert 0.0 < waited < 1.5 + 0.5, waited


def test_a_redis_restart_while_waiting_and_serving_loses_no_turn(tmp_path, caplog):
    """Redis is killed while one worker serves the conversation and another waits, and comes back
    1.5 s later: both lock() calls complete (connection errors are retried, as the tracker store
    does), none raises LockError."""
    stack = servers.Stack(tmp_path / "logs")
    port = free_port()
    url = redis_server.start(stack, port, tmp_path / "redis")
    c, done = conversation(), {}

    def hold() -> None:
        async def run() -> None:
            async with store(url, lock_lifetime=5).lock(c):
                done["holding"] = time.monotonic()
                await asyncio.sleep(3.0)
        asyncio.run(run())
        done["holder"] = time.monotonic()

    def restart_redis() -> None:
        time.sleep(0.5)
        stack.kill("redis")
        time.sleep(1.5)
        stack.restart("redis")
        redis_server.wait(port)

    holder = threading.Thread(target=hold)
    try:
        holder.start()
        wait_until(lambda: "holding" in done, 10, "the holder")
        restarter = threading.Thread(target=restart_redis)
        restarter.start()

        async def wait() -> None:
            async with store(url, lock_lifetime=5, wait_time=0.05).lock(c):
                done["waiter"] = time.monotonic()
        with caplog.at_level("WARNING", logger="rasa_stores.lock_store"):
            asyncio.run(wait())
        restarter.join(30)
        holder.join(30)
    finally:
        stack.stop()
    assert "holder" in done and "waiter" in done, done
    assert "Redis unavailable during lock touch" in caplog.text
