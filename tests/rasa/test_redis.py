"""Redis as tracker store and lock store, against a real redis-server started here and a second
Rasa server that uses it (sharing the session's action server)."""
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from devtools.trackers import turns
from devtools.waiting import wait_until
from scripts import servers

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server missing: scripts/system_deps.sh installs it")


@pytest.fixture(scope="module")
def redis_url():
    port = servers.free_port()
    workdir = tempfile.mkdtemp(prefix="redis-test-")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--dir", workdir, "--save", "", "--appendonly", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        wait_until(lambda: proc.poll() is None and client.ping(), 20, f"redis-server on port {port}",
                   ignore=(redis.ConnectionError,))
    except TimeoutError:
        proc.terminate()
        raise
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


RASA_LOG: list[Path] = []  # the log of the Redis-backed Rasa (DEBUG: it logs every user message)


@pytest.fixture(scope="module")
def redis_rasa(redis_url, actions_url):
    run_dir = Path(tempfile.mkdtemp(prefix="rasa-redis-"))
    stack = servers.Stack(run_dir / "logs")
    endpoints = servers.write_endpoints(run_dir / "endpoints.yml", actions_url, redis_url=redis_url)
    assert f"lock_store:\n  type: {servers.REDIS_LOCK_STORE}\n" in endpoints.read_text()  # atomic
    assert "type: privacy.tracker_store.MaskedRedisTrackerStore" in endpoints.read_text()
    RASA_LOG.append(run_dir / "logs" / "rasa-redis.log")
    try:
        url = servers.start_rasa(stack, servers.free_port(), endpoints, servers.current_model(),
                                 name="rasa-redis", extra_env={"LOG_LEVEL": "DEBUG"})
        yield url
    finally:
        stack.stop()


def test_conversation_is_stored_in_redis(redis_url, redis_rasa):
    sender = f"redis-{uuid.uuid4().hex}"
    r = requests.post(f"{redis_rasa}/webhooks/rest/webhook",
                      json={"sender": sender, "message": "berapa biaya bikin SIM C baru?"}, timeout=60)
    assert "Rp100.000" in " ".join(m.get("text", "") for m in r.json())
    client = redis.Redis.from_url(redis_url)
    keys = [k.decode() for k in client.keys("*")]
    assert any(sender in k for k in keys), keys
    # The tracker read back from Redis holds the whole exchange.
    tracker = requests.get(servers.with_token(f"{redis_rasa}/conversations/{sender}/tracker"),
                           timeout=30).json()
    texts = [e.get("text") for e in tracker["events"] if e["event"] in ("user", "bot")]
    assert texts[0] == "berapa biaya bikin SIM C baru?" and len(texts) >= 2


def test_redis_lock_store_serialises_one_conversation(redis_rasa):
    # Two senders, each firing four messages at once (staggered by 0.3 s so the arrival order is
    # known). The Redis lock store must process one sender's messages one at a time, in arrival
    # order: each tracker holds that sender's messages in the order sent, every turn runs to its
    # action_listen before the next user message starts, and the bot texts of each turn are exactly
    # what that message's HTTP response carried (no reply lost, doubled or swapped).
    import concurrent.futures as cf
    senders = [f"lock-{uuid.uuid4().hex}" for _ in range(2)]
    msgs = ["halo", "berapa biaya skck", "berapa biaya bikin SIM C baru?", "terima kasih"]

    def post(job):
        i, sender, text = job
        time.sleep(0.3 * i)
        r = requests.post(f"{redis_rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=180)
        r.raise_for_status()
        return (sender, text), [m.get("text") or "" for m in r.json()]

    jobs = [(i, s, m) for i, m in enumerate(msgs) for s in senders]
    with cf.ThreadPoolExecutor(len(jobs)) as pool:
        replies = dict(pool.map(post, jobs))
    assert all(replies.values()), replies
    for sender in senders:
        tracker = requests.get(servers.with_token(f"{redis_rasa}/conversations/{sender}/tracker"),
                               timeout=30).json()
        got = turns(tracker)
        assert [t[0] for t in got] == msgs, f"{sender}: user messages out of order or missing/doubled"
        for text, actions, bot_texts in got:
            assert actions and actions[-1] == "action_listen", (
                f"{sender}: turn {text!r} did not finish before the next message started: {actions}")
            assert bot_texts == replies[(sender, text)], (sender, text, bot_texts, replies[(sender, text)])


# ------------------------------------------------------------------ personal data (issue 13)
NIK, HP, EMAIL = "3325011203850001", "0812-3456-7890", "budi.santoso@mail.co.id"


def test_redis_tracker_is_masked_and_expires(redis_url, redis_rasa):
    """A real conversation with a NIK, a phone number and an e-mail address: the Redis value holds
    none of them, the key expires after RETENTION_DAYS (30), and Rasa's own DEBUG log (which
    prints every user message) shows them masked."""
    sender = f"pdp-{uuid.uuid4().hex}"
    for text in (f"nik saya {NIK}", f"hubungi saya di {HP} atau {EMAIL}", "berapa biaya skck"):
        r = requests.post(f"{redis_rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=60)
        assert r.status_code == 200 and r.json()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    [key] = [k for k in client.keys("*") if sender in k]
    raw = client.get(key)
    for secret in (NIK, HP, "3456-7890", EMAIL, "budi.santoso"):
        assert secret not in raw, secret
    assert "3325**********01" in raw and "0812******90" in raw and "b***@mail.co.id" in raw
    assert 29 * 86400 < client.ttl(key) <= 30 * 86400
    # the tracker read back is usable: the conversation goes on
    tracker = requests.get(servers.with_token(f"{redis_rasa}/conversations/{sender}/tracker"),
                           timeout=30).json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"][0] == "nik saya 3325**********01"
    log = RASA_LOG[0].read_text(errors="replace")
    assert sender in log and "3325**********01" in log  # Rasa logged the message ...
    for secret in (NIK, HP, EMAIL):
        assert secret not in log, secret                  # ... masked


def test_make_purge_cleans_redis(redis_url):
    """`make purge` with REDIS_URL: an old tracker (written before expiry existed) is deleted, a
    current one without expiry gets one."""
    import json
    import os
    import subprocess
    import sys

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    now = time.time()
    old, new = f"tracker:pdp-old-{uuid.uuid4().hex}", f"tracker:pdp-new-{uuid.uuid4().hex}"
    for key, ts in ((old, now - 40 * 86400), (new, now - 86400)):
        events = [{"event": "user", "text": "halo", "timestamp": ts},
                  {"event": "bot", "text": "hai", "timestamp": ts}]
        client.set(key, json.dumps({"name": key, "events": events}))
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "scripts.purge", "--redis", redis_url,
                          "--tracker-db", "/nonexistent/tracker.db",
                          "--reports-db", f"sqlite:///{tempfile.mkdtemp()}/r.db"],
                         cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "redis: 1 percakapan dihapus seluruhnya, 2 event dihapus" in out.stdout, out.stdout
    assert client.get(old) is None
    assert 28 * 86400 < client.ttl(new) <= 29 * 86400
