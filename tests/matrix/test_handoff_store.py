"""The handoff ticket store, service hours and API scope (no servers): one active ticket per citizen,
idempotent messages, the status machine, and the hours format of config/polres.yml `handoff:`."""
from __future__ import annotations

import datetime as dt

import pytest

from handoff import hours
from handoff.store import HandoffStore, pseudonym


@pytest.fixture
def store(tmp_path):
    s = HandoffStore(tmp_path / "handoff.db")
    yield s
    s.close()


def test_one_active_ticket_per_citizen_and_status_machine(store):
    turns = [{"dari": "warga", "teks": "a"}]
    t, created = store.create("web", "sess-1", pseudonym("sess-1"), "perihal", turns)
    assert created and t["status"] == "menunggu" and t["kode"] == "H-00001" and t["giliran"][0]["teks"] == "a"
    again, created = store.create("web", "sess-1", pseudonym("sess-1"), "lagi", [])
    assert not created and again["id"] == t["id"]
    assert store.claim(t["id"], "@op:x", "Bripka A") and not store.claim(t["id"], "@op2:x", "Bripka B")
    assert store.get(t["id"])["nama_petugas"] == "Bripka A"
    assert not store.miss(t["id"], "waktu_habis")  # a claimed ticket is never missed
    assert store.end(t["id"], "@op:x") and not store.end(t["id"], "@op:x")
    assert store.active_for("web", "sess-1") is None
    t2, created = store.create("web", "sess-1", pseudonym("sess-1"), "baru", [])
    assert created and t2["id"] != t["id"]
    assert store.miss(t2["id"], "waktu_habis") and store.get(t2["id"])["status"] == "titip"


def test_messages_are_idempotent_by_source(store):
    t, _ = store.create("matrix", "@w:x", "@w:x", "s", [])
    m1, c1 = store.add_message(t["id"], "petugas", "halo", "$ev1", nama="Bripka A")
    m2, c2 = store.add_message(t["id"], "petugas", "halo", "$ev1", nama="Bripka A")
    assert c1 and not c2 and m1["id"] == m2["id"]
    assert [m["id"] for m in store.undelivered()] == [m1["id"]]
    store.mark_delivered(m1["id"], "$out1")
    assert store.undelivered() == [] and store.public(t)["transkrip"][0]["teks"] == "halo"


def test_pseudonym_hides_the_session():
    p = pseudonym("0123456789abcdef")
    assert p.startswith("W-") and "0123456789abcdef" not in p and p == pseudonym("0123456789abcdef")


def test_service_hours(tmp_path, monkeypatch):
    cfg = tmp_path / "polres.yml"
    cfg.write_text('nama: Polres Batang\nhandoff:\n'
                   '  jam_layanan: "Senin-Jumat 08.00-16.00, Sabtu 08.00-12.00"\n  batas_tunggu_menit: 2\n')
    monkeypatch.setenv("POLRES_CONFIG", str(cfg))
    monkeypatch.delenv("HANDOFF_TIMEOUT_S", raising=False)
    wib = hours.TZ
    assert hours.is_open(dt.datetime(2026, 11, 30, 9, 0, tzinfo=wib))        # Monday 09.00
    assert not hours.is_open(dt.datetime(2026, 11, 30, 16, 0, tzinfo=wib))   # Monday 16.00
    assert hours.is_open(dt.datetime(2026, 12, 5, 11, 59, tzinfo=wib))       # Saturday
    assert not hours.is_open(dt.datetime(2026, 12, 6, 10, 0, tzinfo=wib))    # Sunday
    assert hours.timeout_s() == 120
    assert hours.parse("24 jam") == [(set(range(7)), 0, 1440)]
    with pytest.raises(hours.HoursInvalid):
        hours.parse("kadang-kadang buka")
    cfg.write_text("nama: Polres Batang\n")
    assert hours.is_open() and hours.timeout_s() == 300  # not configured: not limited, 5 minutes


@pytest.mark.asyncio(loop_scope="function")
async def test_chat_token_may_ask_and_relay_but_not_read_tickets(tmp_path):
    """The action server's narrow chat token (docs/privacy.md) may open a handoff and relay a
    citizen's message; listing or reading tickets (transcripts) needs the full token."""
    import aiohttp
    from aiohttp import web

    from devtools.net import free_port
    from handoff.api import add_routes
    from matrix_bridge.config import Config
    from matrix_bridge.handoff import HandoffService
    from reports.api import make_app
    from reports.store import open_store

    full, chat = "full-token-0123456789abcdef", "chat-token-0123456789abcdef"
    reports = open_store(f"sqlite:///{tmp_path / 'reports.db'}")
    svc = HandoffService(Config(state_dir=tmp_path), bot=None, state=None)
    app = make_app(reports, full, background=False, chat_token=chat)
    add_routes(app, svc)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/v1/handoff"
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {chat}"}) as s:
            async with s.post(url + "/pesan", json={"kanal": "web", "warga": "sess-9", "teks": "halo"}) as r:
                assert r.status == 200 and await r.json() == {"aktif": False}
            async with s.post(url, json={"kanal": "faks", "warga": "sess-9"}) as r:
                assert r.status == 400  # reached the handler: allowed for the chat token
            for path in ("", "/H-00001"):
                async with s.get(url + path) as r:
                    assert r.status == 403, path
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {full}"}) as s:
            async with s.get(url) as r:
                assert r.status == 200 and (await r.json())["tiket"] == []
        async with aiohttp.ClientSession() as s:
            async with s.post(url + "/pesan", json={"kanal": "web", "warga": "x", "teks": "y"}) as r:
                assert r.status == 401
    finally:
        await runner.cleanup()
        await svc.close()
        svc.store.close()
        reports.close()
