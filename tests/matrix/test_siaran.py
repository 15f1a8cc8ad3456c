"""Bulletins with an injectable clock: routine slots go out once, operators set the texts,
ad-hoc bulletins go to chosen rooms, and a restart neither re-sends nor skips a due bulletin."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import room

pytestmark = pytest.mark.asyncio(loop_scope="function")
WIB = ZoneInfo("Asia/Jakarta")


class Clock:
    def __init__(self, dt):
        self.dt = dt

    def __call__(self):
        return self.dt


def _bulletins(user, room_id, bot_id, start, word):
    return [e for r, e in user.events[start:] if r == room_id and e.get("sender") == bot_id
            and word in (e.get("content") or {}).get("body", "")]


async def test_routine_and_adhoc_bulletins_survive_restart(bridge_factory, user_factory, operator,
                                                           provisioned, tmp_path):
    announce, ojol, oproom = (room(provisioned, a)
                              for a in ("siaran-kamtibmas", "ojol-batang", "operator-polres"))
    await operator.join(oproom)
    warga = await user_factory("warga", join=[announce, ojol])
    clock = Clock(datetime(2030, 1, 15, 6, 5, tzinfo=WIB))
    state_dir = tmp_path / "bridge-siaran"
    svc = await bridge_factory(state_dir=state_dir, clock=clock, scheduler=True)
    bot_id = svc.cfg.bot_user_id

    # Scheduler jobs exist for the three slots, in Asia/Jakarta
    jobs = {j.id: j for j in svc.bulletins.scheduler.get_jobs()}
    assert set(jobs) == {"siaran-pagi", "siaran-siang", "siaran-malam"}
    assert jobs["siaran-siang"].next_run_time.astimezone(WIB).hour == 12
    assert jobs["siaran-malam"].misfire_grace_time == svc.cfg.bulletin_grace_minutes * 60

    # Start-up catch-up at 06:05 sent the 06:00 bulletin (default text) to announcement + community
    m = 0
    await warga.wait_bot_text(announce, bot_id, "Siaran Kamtibmas Pagi", start=m)
    await warga.wait_bot_text(ojol, bot_id, "Siaran Kamtibmas Pagi", start=m)
    assert await svc.bulletins.run_due() == []  # never twice

    # Operator sets the noon text; a non-operator cannot
    om = operator.mark()
    await operator.text(oproom, "!siaran siang Waspada curanmor di parkiran pasar, pakai kunci ganda.")
    await operator.wait_bot_text(oproom, bot_id, "disimpan", start=om)
    # Nothing due at 11:59; at 12:01 the siang bulletin goes out with the operator's text
    clock.dt = datetime(2030, 1, 15, 11, 59, tzinfo=WIB)
    assert await svc.bulletins.run_due() == []
    clock.dt = datetime(2030, 1, 15, 12, 1, tzinfo=WIB)
    wm = warga.mark()
    assert await svc.bulletins.run_due() == [("siang", "2030-01-15")]
    ev = await warga.wait_bot_text(ojol, bot_id, "Siaran Kamtibmas Siang", start=wm)
    assert "curanmor" in ev["content"]["body"] and "110" in ev["content"]["body"]

    # Members cannot post in the announcement room (events_default 50)
    resp = await warga.client.room_send(announce, "m.room.message", {"msgtype": "m.text", "body": "halo"})
    assert getattr(resp, "status_code", None) == "M_FORBIDDEN"

    # Restart while the 18:00 bulletin falls due: down at 17:50, up again at 18:20 -> sent once
    await svc.stop()
    clock.dt = datetime(2030, 1, 15, 18, 20, tzinfo=WIB)
    wm = warga.mark()
    svc2 = await bridge_factory(state_dir=state_dir, clock=clock, scheduler=True)
    await warga.wait_bot_text(ojol, bot_id, "Siaran Kamtibmas Malam", start=wm)
    # Restart again: nothing re-sent
    await svc2.stop()
    svc3 = await bridge_factory(state_dir=state_dir, clock=clock, scheduler=True)
    assert await svc3.bulletins.run_due() == []
    # Marker: an ad-hoc bulletin sent now by svc3; a re-sent routine one would come before it
    om = operator.mark()
    await operator.text(oproom, "!siaran sekarang Penanda uji: tidak ada siaran ulang. #ojol-batang")
    await operator.wait_bot_text(oproom, bot_id, "terkirim ke 1 ruang", start=om)
    await warga.wait_bot_text(ojol, bot_id, "Penanda uji", start=wm)
    assert len(_bulletins(warga, ojol, bot_id, wm, "Siaran Kamtibmas Malam")) == 1
    assert len(_bulletins(warga, ojol, bot_id, 0, "Siaran Kamtibmas Siang")) == 1
    assert len(_bulletins(warga, ojol, bot_id, 0, "Siaran Kamtibmas Pagi")) == 1

    # Outside the grace window a missed slot is not sent late (next day 09:00, pagi was 06:00)
    clock.dt = datetime(2030, 1, 16, 9, 0, tzinfo=WIB)
    assert await svc3.bulletins.run_due() == []

    # Ad-hoc urgent bulletin to a chosen room only
    wm, om = warga.mark(), operator.mark()
    await operator.text(oproom, "!siaran sekarang Jalur Pantura Batang macet total, "
                                "gunakan jalur alternatif. #ojol-batang")
    await operator.wait_bot_text(oproom, bot_id, "terkirim ke 1 ruang", start=om)
    ev = await warga.wait_bot_text(ojol, bot_id, "SIARAN PENTING", start=wm)
    assert "Pantura" in ev["content"]["body"] and "#ojol-batang" not in ev["content"]["body"]
    # Marker: a later bulletin to the announcement room only; the Pantura one would come before it
    om = operator.mark()
    await operator.text(oproom, "!siaran sekarang Penanda kedua untuk ruang siaran. #siaran-kamtibmas")
    await operator.wait_bot_text(oproom, bot_id, "terkirim ke 1 ruang", start=om)
    await warga.wait_bot_text(announce, bot_id, "Penanda kedua", start=wm)
    assert not [e for e in _bulletins(warga, announce, bot_id, wm, "SIARAN PENTING")
                if "Pantura" in e["content"]["body"]]
