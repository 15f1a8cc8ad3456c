"""No 5xx from input (issue 13): every body sent to the REST channel and every socket.io payload
gets a 4xx JSON error (or an error acknowledgement) and the server keeps serving; over-long
messages get a polite reply and never reach the NLU (channels/validate.py, channels/pipeline.py)."""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import requests

from channels import texts
from channels.limits import MAX_TEXT_CHARS
from scripts import servers

SKCK = "berapa biaya skck"

BAD_BODIES = [
    (b"null", 400, "not_object"), (b"[]", 400, "not_object"), (b'"x"', 400, "not_object"),
    (b"", 400, "bad_json"), (b"123", 400, "not_object"), (b"true", 400, "not_object"),
    (b"{", 400, "bad_json"), (b"[" * 5000 + b"]" * 5000, 400, "bad_json"),
    (b'{"message": "halo"}', 400, "bad_sender"), (b'{"sender": null, "message": "halo"}', 400, "bad_sender"),
    (b'{"sender": {"a": 1}, "message": "halo"}', 400, "bad_sender"),
    (b'{"sender": "", "message": "halo"}', 400, "bad_sender"),
    (json.dumps({"sender": "x" * 300, "message": "halo"}).encode(), 400, "bad_sender"),
    (b'{"sender": "a"}', 400, "bad_message"), (b'{"sender": "a", "message": 5}', 400, "bad_message"),
    (b'{"sender": "a", "message": ["halo"]}', 400, "bad_message"),
    (b'{"sender": "a", "message": "   "}', 400, "bad_message"),
    (b'{"sender": "a", "message": "\\ud800"}', 400, "bad_message"),
    (b'{"sender": "a", "message": "halo", "metadata": [1]}', 400, "bad_metadata"),
    (b'{"sender": "a", "message": "halo", "metadata": "x"}', 400, "bad_metadata"),
    (json.dumps({"sender": "a", "message": "halo", "metadata": {"x": "y" * 9000}}).encode(), 400,
     "bad_metadata"),
    ('{"sender": "a", "message": "halo"}'.encode("utf-16"), 400, "bad_encoding"),
    (b'{"sender": "a", "message": "\xff\xfe halo"}', 400, "bad_encoding"),
    (json.dumps({"sender": "a", "message": "a" * 1_000_000}).encode(), 413, "too_large"),
    (b"x" * 1_048_576, 413, "too_large"),
]


def post(rasa_url: str, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(f"{rasa_url}/webhooks/rest/webhook", data=body, timeout=60,
                         headers={"Content-Type": content_type})


def answer(rasa_url: str, sender: str, text: str) -> str:
    r = post(rasa_url, json.dumps({"sender": sender, "message": text}).encode())
    assert r.status_code == 200, r.text
    return " ".join(m.get("text", "") for m in r.json())


def user_events(rasa_url: str, sender: str) -> list[dict]:
    r = requests.get(servers.with_token(f"{rasa_url}/conversations/{sender}/tracker"), timeout=30)
    return [e for e in r.json()["events"] if e["event"] == "user"]


@pytest.mark.parametrize("body,status,code", BAD_BODIES, ids=[f"{i}-{c}" for i, (_, _, c) in
                                                              enumerate(BAD_BODIES)])
def test_bad_rest_body_gets_a_4xx_json_error(rasa_url, body, status, code):
    r = post(rasa_url, body)
    assert r.status_code == status, r.text[:300]
    err = r.json()
    assert err["error"] == code and err["pesan"]


def test_server_keeps_serving_after_bad_bodies(rasa_url):
    for body, _, _ in BAD_BODIES[:6]:
        assert post(rasa_url, body, "text/plain").status_code == 400
    assert "Rp30.000" in answer(rasa_url, f"after-bad-{uuid.uuid4().hex}", SKCK)


def test_input_channel_and_external_marker_come_from_the_server(rasa_url):
    sender = f"meta-{uuid.uuid4().hex}"
    body = {"sender": sender, "message": SKCK, "input_channel": "socketio",
            "metadata": {"is_external": True, "display_text": "x"}}
    r = post(rasa_url, json.dumps(body).encode())
    assert r.status_code == 200 and "Rp30.000" in r.text
    ev = user_events(rasa_url, sender)[-1]
    assert ev["input_channel"] == "rest"
    assert "is_external" not in (ev.get("metadata") or {})
    assert ev["metadata"]["display_text"] == "x"


def test_numeric_sender_still_works(rasa_url):
    r = post(rasa_url, json.dumps({"sender": 12345678901, "message": SKCK}).encode())
    assert r.status_code == 200 and "Rp30.000" in r.text


def test_too_long_message_gets_a_polite_reply_and_skips_the_nlu(rasa_url):
    sender = f"long-{uuid.uuid4().hex}"
    long_text = ("berapa biaya skck " * 200)[: MAX_TEXT_CHARS + 1]
    assert answer(rasa_url, sender, long_text) == texts.TOO_LONG
    assert "110" in texts.TOO_LONG
    assert user_events(rasa_url, sender) == []       # never parsed, never stored
    at_limit = ("skck " * 500)[:MAX_TEXT_CHARS]
    assert answer(rasa_url, sender, at_limit) != texts.TOO_LONG  # the limit itself is allowed
    assert "Rp30.000" in answer(rasa_url, sender, SKCK)


# ---------------------------------------------------------------------------------------- socket.io
BAD_EVENTS = [None, "halo", 5, ["halo"], {"message": "halo"}, {"message": "halo", "session_id": 5},
              {"message": 7, "session_id": "s"}, {"message": "", "session_id": "s"},
              {"message": "halo", "session_id": "s", "metadata": "{oops"},
              {"message": "halo", "session_id": "s", "metadata": [1, 2]},
              {"message": "\ud800", "session_id": "s"}]


async def _socket_session(rasa_url: str):
    import socketio

    sio = socketio.AsyncClient(reconnection=False)
    got: asyncio.Queue = asyncio.Queue()
    sio.on("bot_uttered", lambda data: got.put_nowait(data))
    sio.on("session_confirm", lambda sid: got.put_nowait({"confirm": sid}))
    await sio.connect(rasa_url, socketio_path="/socket.io", transports=["websocket"])
    return sio, got


def test_bad_socketio_payloads_are_refused_and_the_session_keeps_working(rasa_url):
    async def run():
        sio, got = await _socket_session(rasa_url)
        try:
            for bad in ("x", 5, [1], {"session_id": {"a": 1}}):   # session_request with junk
                await sio.emit("session_request", bad)
                confirm = await asyncio.wait_for(got.get(), 10)
                assert isinstance(confirm["confirm"], str) and len(confirm["confirm"]) == 32
            session = uuid.uuid4().hex
            await sio.emit("session_request", {"session_id": session})
            assert (await asyncio.wait_for(got.get(), 10)) == {"confirm": session}
            acks = [await sio.call("user_uttered", bad, timeout=10) for bad in BAD_EVENTS]
            assert all(isinstance(a, dict) and a["error"] and a["pesan"] for a in acks), acks
            assert got.empty()
            long_ack = await sio.call("user_uttered", {"message": "a" * (MAX_TEXT_CHARS + 5),
                                                       "session_id": session}, timeout=10)
            assert long_ack is None
            assert (await asyncio.wait_for(got.get(), 10))["text"] == texts.TOO_LONG
            await sio.emit("user_uttered", {"message": SKCK, "session_id": session})
            reply = await asyncio.wait_for(got.get(), 60)
            assert "Rp30.000" in reply["text"]
            assert sio.connected
            return session
        finally:
            await sio.disconnect()

    session = asyncio.run(run())
    assert [e["text"] for e in user_events(rasa_url, session)] == [SKCK]


def test_oversized_socketio_packet_does_not_hurt_the_server(rasa_url):
    async def run():
        sio, got = await _socket_session(rasa_url)
        try:
            await sio.emit("user_uttered", {"message": "a" * 1_000_000, "session_id": "big"})
            await asyncio.sleep(1)
        finally:
            await sio.disconnect()
        sio2, got2 = await _socket_session(rasa_url)   # a new connection is served as usual
        try:
            session = uuid.uuid4().hex
            await sio2.emit("session_request", {"session_id": session})
            await asyncio.wait_for(got2.get(), 10)
            await sio2.emit("user_uttered", {"message": SKCK, "session_id": session})
            return (await asyncio.wait_for(got2.get(), 60))["text"]
        finally:
            await sio2.disconnect()

    assert "Rp30.000" in asyncio.run(run())


@pytest.mark.parametrize("method,query,headers,body", [
    ("POST", "EIO=4&transport=polling", {}, b"xx"),                       # no sid
    ("POST", "EIO=4&transport=polling&sid=nope", {}, b"40"),
    ("GET", "EIO=4&transport=websocket", {"Upgrade": "websocket", "Connection": "Upgrade"}, None),
    ("GET", "EIO=3&transport=polling", {}, None), ("GET", "transport=foo", {}, None),
])
def test_malformed_engineio_requests_get_4xx(rasa_url, method, query, headers, body):
    r = requests.request(method, f"{rasa_url}/socket.io/?{query}", headers=headers, data=body, timeout=30)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
