"""Report privacy on Matrix (issue 13) over a real Synapse: the operator card masks NIK, phone and
e-mail; the secret status code is given in a direct chat only; another Matrix user gets the same
answer for someone else's report as for a report that does not exist, and the code opens it."""
from __future__ import annotations

import re

import pytest

from conftest import room

pytestmark = pytest.mark.asyncio(loop_scope="function")

NIK, HP, EMAIL = "3325011203850001", "0812-3456-7890", "budi.santoso@mail.co.id"


async def file_report(warga, where, bot_id, deskripsi: str, kontak: str | None = None) -> str:
    m = warga.mark()
    await warga.text(where, "!lapor pencurian")
    await warga.wait_bot_text(where, bot_id, "lokasi", start=m)
    steps = [("Pasar Batang, los ikan", "kapan"), ("tadi pagi", "ceritakan"), (deskripsi, "lewati")]
    if kontak:  # the optional contact, offered at the last step
        steps.append((kontak, "kontak dicatat"))
    for answer, expect in steps:
        m = warga.mark()
        await warga.text(where, answer)
        await warga.wait_bot_text(where, bot_id, expect, start=m)
    m = warga.mark()
    await warga.text(where, "kirim")
    ev = await warga.wait_bot_text(where, bot_id, "nomor LK-", start=m)
    return ev["content"]["body"]


async def ask(user, where, bot_id, text: str, expect: str) -> str:
    m = user.mark()
    await user.text(where, text)
    return (await user.wait_bot_text(where, bot_id, expect, start=m))["content"]["body"]


async def test_card_masked_code_in_dm_and_status_only_for_owner(bridge_factory, user_factory, operator,
                                                                provisioned):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    oproom = room(provisioned, "operator-polres")
    await operator.join(oproom)
    op_mark = operator.mark()
    warga = await user_factory("pemilik")
    dm = await warga.dm(bot_id)
    deskripsi = f"Dompet dicopet. NIK saya {NIK}, hubungi {HP} atau {EMAIL}"
    kontak = "WA 0857-1111-2222"
    body = await file_report(warga, dm, bot_id, deskripsi, kontak=kontak)
    rid = re.search(r"LK-\d{4}-\d{6}", body).group(0)
    kode = re.search(r"Kode rahasia laporan: ([A-Z0-9]{4}-[A-Z0-9]{4})", body).group(1)
    assert f"!status {rid} {kode}" in body

    # the report keeps what the reporter wrote; the operator card shows it masked
    assert svc.store.get(rid)["deskripsi"] == deskripsi
    assert svc.store.get(rid)["kontak"] == kontak
    card = (await operator.wait_bot_text(oproom, bot_id, rid, start=op_mark))["content"]["body"]
    for raw in (NIK, HP, "3456-7890", EMAIL, "budi.santoso"):
        assert raw not in card, raw
    assert "3325**********01" in card and "0812******90" in card and "b***@mail.co.id" in card
    assert kode not in card
    # the exception: the contact the reporter chose to give, as given
    assert f"Kontak yang diberikan pelapor: {kontak}" in card

    # another Matrix user: someone else's report reads exactly like a report that does not exist
    orang = await user_factory("orang")
    dm2 = await orang.dm(bot_id)
    other = await ask(orang, dm2, bot_id, f"!status {rid}", "tidak ditemukan")
    none = await ask(orang, dm2, bot_id, "!status LK-2026-999999", "tidak ditemukan")
    assert other.replace(rid, "ID") == none.replace("LK-2026-999999", "ID")
    assert "Pencurian" not in other and "Baru" not in other
    # ... and sees it with the code
    with_code = await ask(orang, dm2, bot_id, f"!status {rid} {kode.lower()}", rid)
    assert "Baru" in with_code and "tidak ditemukan" not in with_code
    # the reporter needs no code
    mine = await ask(warga, dm, bot_id, f"!status {rid}", rid)
    assert "Baru" in mine and "tidak ditemukan" not in mine


async def test_code_is_not_shown_in_a_community_room(bridge_factory, user_factory, provisioned):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    ojol = room(provisioned, "ojol-batang")
    warga = await user_factory("ojol", join=[ojol])
    body = await file_report(warga, ojol, bot_id, "Helm saya diambil orang di parkiran pasar.")
    assert "Kode rahasia laporan" not in body
    assert "hanya bisa dicek dari akun Anda sendiri" in body
