"""Matrix through the one public entrance: an edge (Caddy, deploy/caddy/Caddyfile.dev) in front of
the session's REAL Synapse, whose public_baseurl is the edge. A resident's client discovers the
homeserver from the edge's .well-known, logs in, syncs, joins #ojol-batang and gets the bot's answer
(bridge -> REAL Rasa) through the edge; Synapse's admin API stays unreachable there."""
from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import servers  # tests/conftest.py puts scripts/ on the path
from conftest import SERVER
from mx_support import MxUser

pytestmark = pytest.mark.asyncio(loop_scope="function")


def get(url: str, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {"raw": e.read()[:200].decode(errors="replace")}


@pytest.fixture(scope="module")
def matrix_edge(synapse, rasa_url):
    run_dir = Path(tempfile.mkdtemp(prefix="edge-matrix-"))
    stack = servers.Stack(run_dir / "logs")
    webchat = os.environ.get("WEBCHAT_URL", "http://127.0.0.1:9")  # not used by these tests
    try:
        yield servers.start_edge(stack, synapse.edge_port, webchat, rasa_url, synapse.url, run_dir / "edge")
    finally:
        stack.stop()


def test_discovery_and_admin_api_through_the_edge(matrix_edge, synapse):
    status, wk = get(matrix_edge + "/.well-known/matrix/client")
    assert status == 200 and wk["m.homeserver"]["base_url"] == matrix_edge + "/"
    status, versions = get(matrix_edge + "/_matrix/client/versions")
    assert status == 200 and versions["versions"]
    # Synapse's own client pages are public, its admin API is not (while it exists behind the edge)
    assert get(synapse.url + "/_synapse/admin/v1/server_version")[0] == 200
    status, body = get(matrix_edge + "/_synapse/admin/v1/server_version")
    assert status == 404 and body["raw"] == "404 Not Found"
    assert get(matrix_edge + "/_synapse/admin/v1/register")[0] == 404


async def test_resident_logs_in_joins_and_gets_an_answer_through_the_edge(
        matrix_edge, synapse, provisioned, bridge_factory, rasa_url):
    svc = await bridge_factory(rasa_url=rasa_url)  # the bridge itself talks to Synapse internally
    bot_id = svc.cfg.bot_user_id
    local = f"edge{os.urandom(4).hex()}"
    uid = synapse.register(local)

    # Login over the edge returns the edge as the homeserver (Element switches to this URL)
    status, login = get(matrix_edge + "/_matrix/client/v3/login",
                        {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": local},
                         "password": "pw-test-123"})
    assert status == 200, login
    assert login["well_known"]["m.homeserver"]["base_url"] == matrix_edge + "/"

    user = await MxUser(matrix_edge, uid, "pw-test-123").login()  # a real Matrix client, via the edge
    try:
        assert user.client.homeserver == matrix_edge
        room_id = await user.join(f"#ojol-batang:{SERVER}")
        assert room_id == provisioned["rooms"][f"#ojol-batang:{SERVER}"]
        mark = user.mark()
        question = await user.send(room_id, {"msgtype": "m.text", "body": f"{bot_id}: apa saja syarat membuat SKCK?",
                                             "m.mentions": {"user_ids": [bot_id]}})
        ev = await user.wait_bot_text(room_id, bot_id, "", start=mark, timeout=90)
        content = ev["content"]
        assert "SKCK" in content["body"], content["body"]
        rel = content["m.relates_to"]
        assert rel["rel_type"] == "m.thread" and rel["event_id"] == question, rel
    finally:
        await user.close()
