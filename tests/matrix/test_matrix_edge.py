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

from devtools.matrix_user import MxUser
from scripts import servers

from conftest import SERVER


def get(url: str, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {"raw": e.read()[:200].decode(errors="replace")}


@pytest.fixture(scope="module")
def matrix_edge(synapse):
    """An edge on the port Synapse was told is its public URL (tests/matrix/conftest.py)."""
    run_dir = Path(tempfile.mkdtemp(prefix="edge-matrix-"))
    stack = servers.Stack(run_dir / "logs")
    unused = "http://127.0.0.1:9"  # the web chat and socket.io paths are not used here
    try:
        yield servers.start_edge(stack, synapse.edge_port, unused, unused, synapse.url, run_dir / "edge")
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



async def resident_via_edge(edge: str, synapse) -> MxUser:
    """A new resident logs in through the edge (raw login first: its well_known must name the
    edge, since Element switches to that URL), then as a real Matrix client (matrix-nio)."""
    local = f"edge{os.urandom(4).hex()}"
    uid = synapse.register(local)
    status, login = get(edge + "/_matrix/client/v3/login",
                        {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": local},
                         "password": "pw-test-123"})
    assert status == 200, login
    assert login["well_known"]["m.homeserver"]["base_url"] == edge + "/"
    user = await MxUser(edge, uid, "pw-test-123").login()  # logs in and syncs via the edge
    assert user.client.homeserver == edge and user.since
    return user


@pytest.mark.asyncio(loop_scope="function")
async def test_resident_logs_in_syncs_and_joins_through_the_edge(matrix_edge, synapse, provisioned):
    user = await resident_via_edge(matrix_edge, synapse)
    try:
        room_id = await user.join(f"#ojol-batang:{SERVER}")
        assert room_id == provisioned["rooms"][f"#ojol-batang:{SERVER}"]
        mark = user.mark()
        await user.text(room_id, "selamat pagi semua")
        _, ev = await user.wait_for(lambda r, e: r == room_id and e.get("sender") == user.user_id
                                    and (e.get("content") or {}).get("body") == "selamat pagi semua",
                                    30, mark)
        assert ev["type"] == "m.room.message"  # our own message came back through /sync via the edge
    finally:
        await user.close()


@pytest.mark.asyncio(loop_scope="function")
async def test_bot_answers_a_question_in_ojol_batang_through_the_edge(
        matrix_edge, synapse, provisioned, bridge_factory, rasa_url):
    svc = await bridge_factory(rasa_url=rasa_url)  # the bridge itself talks to Synapse internally
    bot_id = svc.cfg.bot_user_id
    user = await resident_via_edge(matrix_edge, synapse)
    try:
        room_id = await user.join(f"#ojol-batang:{SERVER}")
        mark = user.mark()
        question = await user.send(room_id, {"msgtype": "m.text",
                                             "body": f"{bot_id}: apa saja syarat membuat SKCK?",
                                             "m.mentions": {"user_ids": [bot_id]}})
        ev = await user.wait_bot_text(room_id, bot_id, "", start=mark, timeout=90)
        content = ev["content"]
        assert "SKCK" in content["body"], content["body"]
        rel = content["m.relates_to"]
        assert rel["rel_type"] == "m.thread" and rel["event_id"] == question, rel
    finally:
        await user.close()
