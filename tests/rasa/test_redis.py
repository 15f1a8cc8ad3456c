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
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def redis_rasa(redis_url, actions_url):
    run_dir = Path(tempfile.mkdtemp(prefix="rasa-redis-"))
    stack = servers.Stack(run_dir / "logs")
    endpoints = servers.write_endpoints(run_dir / "endpoints.yml", actions_url, redis_url=redis_url)
    assert "type: redis" in endpoints.read_text()
    try:
        url = servers.start_rasa(stack, servers.free_port(), endpoints, servers.current_model(),
                                 name="rasa-redis")
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
    # Concurrent messages of one sender go through the Redis lock store one at a time;
    # every message must get its answer and be recorded exactly once.
    import concurrent.futures as cf
    sender = f"lock-{uuid.uuid4().hex}"
    msgs = ["halo", "berapa biaya skck", "berapa biaya bikin SIM C baru?", "terima kasih"]
    with cf.ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda m: requests.post(
            f"{redis_rasa}/webhooks/rest/webhook", json={"sender": sender, "message": m},
            timeout=120).json(), msgs))
    assert all(replies), replies
    tracker = requests.get(servers.with_token(f"{redis_rasa}/conversations/{sender}/tracker"),
                           timeout=30).json()
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert sorted(user_texts) == sorted(msgs)
