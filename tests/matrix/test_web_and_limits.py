"""Web reports posted to the report API served by the bridge reach the operator room; operator
status changes queue a web notification; flood limits and a Rasa outage give friendly
Indonesian messages; encrypted DMs get an explanation instead of silence."""
from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid

import pytest

from devtools.waiting import async_wait_until
from scripts import servers

from conftest import room

pytestmark = pytest.mark.asyncio(loop_scope="function")

UNREACHABLE_RASA = "http://127.0.0.1:9"  # test_flood_limit_and_rasa_down: the outage is the behaviour


def post(url: str, payload: dict, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


async def test_web_report_card_and_status(bridge_factory, operator, provisioned, rasa_url):
    svc = await bridge_factory()  # the session's real Rasa
    bot_id = svc.cfg.bot_user_id
    oproom = room(provisioned, "operator-polres")
    await operator.join(oproom)
    m = operator.mark()
    key = f"web-test-{uuid.uuid4().hex[:10]}"  # a fresh reporter in the session's Rasa
    api = f"http://127.0.0.1:{svc.cfg.reports_port}/v1/reports"
    payload = {"jenis": "bencana_alam", "lokasi": "Dukuh Sigandu, Batang", "waktu": "barusan",
               "deskripsi": "Pohon tumbang menutup jalan desa.", "kanal": "web", "pelapor": f"web-{key}",
               "idempotency_key": key}
    status, body = await asyncio.to_thread(post, api, payload, svc.cfg.reports_token)
    assert status == 201, body
    rid = body["id"]
    card = await operator.wait_bot_text(oproom, bot_id, rid, start=m)
    assert "Bencana alam" in card["content"]["body"] and "Sigandu" in card["content"]["body"]
    # Same idempotency key -> no second card
    status, body2 = await asyncio.to_thread(post, api, payload, svc.cfg.reports_token)
    assert status == 200 and body2["id"] == rid and body2["created"] is False

    m = operator.mark()
    await operator.text(oproom, f"!terima {rid}")
    await operator.wait_bot_text(oproom, bot_id, "Diterima", start=m)
    assert svc.store.get(rid)["status"] == "diterima"
    # The web reporter is told through the session's real Rasa: the notification leaves the queue
    # and the reporter's conversation holds the assistant's status message for this report.
    def web_pending():
        pend = svc.store.pending_notifications(target="pelapor", kanal="web")
        return [n for n in pend if n["laporan_id"] == rid]

    await async_wait_until(lambda: not web_pending(), 90, "the web notification to be delivered")
    tracker = await asyncio.to_thread(get_json, servers.with_token(
        f"{rasa_url}/conversations/{payload['pelapor']}/tracker"))
    bot = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
    assert any(rid in t for t in bot), bot
    # Marker: a second report's card; a duplicate card for the first would have been sent before it
    status, other = await asyncio.to_thread(post, api, {**payload, "idempotency_key": f"{key}-marker"},
                                            svc.cfg.reports_token)
    assert status == 201, other
    await operator.wait_bot_text(oproom, bot_id, other["id"], start=m)
    cards = [e for r, e in operator.events if r == oproom and e.get("sender") == bot_id
             and (e.get("content") or {}).get("body", "").startswith(f"LAPORAN {rid}")]
    assert len(cards) == 1


async def test_flood_limit_and_rasa_down(bridge_factory, user_factory):
    svc = await bridge_factory(flood_questions=2, flood_window_s=60, rasa_url=UNREACHABLE_RASA)
    bot_id = svc.cfg.bot_user_id
    warga = await user_factory("cepat")
    dm = await warga.dm(bot_id)
    bodies = []
    for q in ["syarat SIM?", "biaya SKCK?", "nomor darurat?"]:
        m = warga.mark()
        await warga.text(dm, q)
        ev = await warga.wait_bot_text(dm, bot_id, "", start=m)
        bodies.append(ev["content"]["body"])
    # Rasa is unreachable in this bridge: a friendly message, never a stack trace
    assert "sedang tidak tersedia" in bodies[0] and "Traceback" not in bodies[0]
    assert "terlalu cepat" in bodies[2]


async def test_encrypted_dm_gets_explanation(bridge_factory, user_factory):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    warga = await user_factory("enkripsi")
    dm = await warga.dm(bot_id)
    m = warga.mark()
    await warga.send(dm, {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEn...", "sender_key": "x",
                          "device_id": "TEST", "session_id": "s"}, etype="m.room.encrypted")
    ev = await warga.wait_bot_text(dm, bot_id, "terenkripsi", start=m)
    assert "110" in ev["content"]["body"]


async def test_bantuan(bridge_factory, user_factory, provisioned):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    ojol = room(provisioned, "ojol-batang")
    warga = await user_factory("bantu", join=[ojol])
    m = warga.mark()
    await warga.text(ojol, "!bantuan")
    ev = await warga.wait_bot_text(ojol, bot_id, "!lapor", start=m)
    for word in ("!status", "!batal", "110", "112", "pesan suara"):
        assert word in ev["content"]["body"]
