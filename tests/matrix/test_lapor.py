"""Full report lifecycle over a real Synapse: a community member files a report with !lapor,
the card reaches the operator room, operators triage with commands and reactions, every status
change reaches the reporter; non-operators are refused."""
from __future__ import annotations

import pytest

from conftest import room

pytestmark = pytest.mark.asyncio(loop_scope="function")


async def test_report_lifecycle_and_roles(bridge_factory, user_factory, operator, provisioned):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    ojol = room(provisioned, "ojol-batang")
    oproom = room(provisioned, "operator-polres")
    warga = await user_factory("warga", join=[ojol])
    await operator.join(oproom)
    op_mark = operator.mark()

    # Start with the command, answer each question
    m = warga.mark()
    await warga.text(ojol, "!lapor")
    ev = await warga.wait_bot_text(ojol, bot_id, "jenis kejadian", start=m)
    assert "110" in ev["content"]["body"] and "112" in ev["content"]["body"]
    assert ev["content"]["msgtype"] == "m.notice"
    for answer, expect in [("2", "lokasi"), ("Jl. Gajah Mada depan Alun-alun Batang", "kapan"),
                           ("barusan", "ceritakan"),
                           ("Motor dan mobil bertabrakan, satu orang luka ringan.", "foto")]:
        m = warga.mark()
        await warga.text(ojol, answer)
        await warga.wait_bot_text(ojol, bot_id, expect, start=m)
    m = warga.mark()
    await warga.send(ojol, await warga.upload_image())
    await warga.wait_bot_text(ojol, bot_id, "lampiran diterima", start=m)
    m = warga.mark()
    await warga.text(ojol, "kirim")
    ev = await warga.wait_bot_text(ojol, bot_id, "nomor LK-", start=m)
    body = ev["content"]["body"]
    assert "110" in body and "112" in body
    report_id = __import__("re").search(r"LK-\d{4}-\d{6}", body).group(0)

    stored = svc.store.get(report_id)
    assert stored["jenis"] == "kecelakaan_lalu_lintas"
    assert stored["kanal"] == "matrix" and stored["pelapor"] == warga.user_id
    assert stored["lampiran"][0]["tipe"] == "foto"
    assert "Gajah Mada" in stored["lokasi"]["teks"]

    # Card in the operator room
    card = await operator.wait_bot_text(oproom, bot_id, report_id, start=op_mark)
    assert "Kecelakaan lalu lintas" in card["content"]["body"]

    # A non-operator in the operator room is refused
    outsider = await user_factory("staf")
    await svc.bot.client.room_invite(oproom, outsider.user_id)
    await outsider.join(oproom)
    m = outsider.mark()
    await outsider.text(oproom, f"!terima {report_id}")
    await outsider.wait_bot_text(oproom, bot_id, "hanya operator", start=m)
    assert svc.store.get(report_id)["status"] == "baru"
    # ... and operator commands in a community room are refused
    m = warga.mark()
    await warga.text(ojol, f"!selesai {report_id}")
    await warga.wait_bot_text(ojol, bot_id, "hanya untuk operator", start=m)
    assert svc.store.get(report_id)["status"] == "baru"

    # Operator: reaction ✅ on the card -> diterima, reporter notified
    m = warga.mark()
    await operator.react(oproom, card["event_id"], "✅️")
    ev = await warga.wait_bot_text(ojol, bot_id, "diterima", start=m)
    assert report_id in ev["content"]["body"] and "110" in ev["content"]["body"]
    assert svc.store.get(report_id)["status"] == "diterima"

    # Command !tangani with a name, then !selesai
    m = warga.mark()
    await operator.text(oproom, f"!tangani {report_id} Bripka Andi")
    await warga.wait_bot_text(ojol, bot_id, "sedang ditangani", start=m)
    m = warga.mark()
    await operator.text(oproom, f"!selesai {report_id}")
    await warga.wait_bot_text(ojol, bot_id, "selesai", start=m)
    final = svc.store.get(report_id)
    assert final["status"] == "selesai"
    assert [h["status"] for h in svc.store.history(report_id)] == ["baru", "diterima", "ditangani", "selesai"]

    # Invalid transition gets a clear message; status unchanged
    m = operator.mark()
    await operator.text(oproom, f"!tolak {report_id} laporan ganda")
    # (the operator's client may still hold older, unread replies: wait for this very answer)
    ev = await operator.wait_bot_text(oproom, bot_id, "tidak bisa diubah", start=m)
    body = ev["content"]["body"]
    assert report_id in body and "Selesai" in body, body
    assert svc.store.get(report_id)["status"] == "selesai"
    assert [h["status"] for h in svc.store.history(report_id)] == ["baru", "diterima", "ditangani", "selesai"]

    # Reporter checks status
    m = warga.mark()
    await warga.text(ojol, f"!status {report_id}")
    ev = await warga.wait_bot_text(ojol, bot_id, report_id, start=m)
    assert "Selesai" in ev["content"]["body"]
    # ... and was never told about the refused rejection (all bot messages up to this answer are in)
    assert not [e for r, e in warga.events if r == ojol and e.get("sender") == bot_id
                and "tidak dapat kami tindak lanjuti" in (e.get("content") or {}).get("body", "")]


async def test_report_with_location_share_and_rejection(bridge_factory, user_factory, operator, provisioned):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    oproom = room(provisioned, "operator-polres")
    warga = await user_factory("pelapor")
    dm = await warga.dm(bot_id)
    await operator.join(oproom)
    m = warga.mark()
    await warga.text(dm, "!lapor tawuran")
    await warga.wait_bot_text(dm, bot_id, "lokasi", start=m)
    m = warga.mark()
    await warga.send(dm, {"msgtype": "m.location", "body": "Lokasi saya",
                          "geo_uri": "geo:-6.9075,109.7302;u=20"})
    await warga.wait_bot_text(dm, bot_id, "kapan", start=m)
    for answer, expect in [("tadi pukul 21.00", "ceritakan"),
                           ("Dua kelompok pemuda saling lempar batu.", "lewati")]:
        m = warga.mark()
        await warga.text(dm, answer)
        await warga.wait_bot_text(dm, bot_id, expect, start=m)
    m = warga.mark()
    await warga.text(dm, "lewati")
    ev = await warga.wait_bot_text(dm, bot_id, "nomor LK-", start=m)
    rid = __import__("re").search(r"LK-\d{4}-\d{6}", ev["content"]["body"]).group(0)
    rep = svc.store.get(rid)
    assert rep["jenis"] == "gangguan_kamtibmas"
    assert abs(rep["lokasi"]["lat"] + 6.9075) < 1e-6 and abs(rep["lokasi"]["lon"] - 109.7302) < 1e-6

    # Reject without reason -> asked for one; with reason -> reporter gets the reason
    m = operator.mark()
    await operator.text(oproom, f"!tolak {rid}")
    await operator.wait_bot_text(oproom, bot_id, "alasan", start=m)
    assert svc.store.get(rid)["status"] == "baru"
    m = warga.mark()
    await operator.text(oproom, f"!tolak {rid} lokasi di luar wilayah hukum Polres Batang")
    ev = await warga.wait_bot_text(dm, bot_id, "tidak dapat kami tindak lanjuti", start=m)
    assert "luar wilayah" in ev["content"]["body"]
