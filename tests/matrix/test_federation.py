"""Federation over loopback (option B, no root): a police homeserver `localhost:P1` runs the
bridge; a user of a second homeserver `localhost:P2` joins #ojol-batang over federation, files a
report and receives a bulletin."""
from __future__ import annotations

import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from devtools.matrix_user import MxUser
from devtools.net import free_port
from devtools.waiting import async_wait_until

from conftest import Homeserver, make_config

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture(scope="module")
def two_servers():
    dirs, servers = [], []
    try:
        for _ in range(2):
            d = Path(tempfile.mkdtemp(prefix="synapse-fed-"))
            dirs.append(d)
            fed = free_port()
            hs = Homeserver(d, free_port(), f"localhost:{fed}")
            hs.start(profile="test", fed_port=fed)
            servers.append(hs)
        yield servers
    finally:
        for hs in servers:
            hs.stop()
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)


@pytest_asyncio.fixture
async def fed_bridge(two_servers, tmp_path, rasa_url):
    from matrix_bridge.provision import provision
    from matrix_bridge.service import BridgeService
    from reports.store import open_store
    police, _ = two_servers
    cfg = make_config(police, tmp_path / "bridge", rasa_url=rasa_url)
    rec = await provision(cfg, police.secret, operators=["operator"], community=["ojol-batang"],
                          log=lambda *_: None)
    cfg.bot_password = rec["bot_password"]
    svc = BridgeService(cfg, store=open_store(f"sqlite:///{tmp_path / 'reports.db'}"),
                        clock=lambda: datetime(2030, 2, 1, 12, 10, tzinfo=ZoneInfo("Asia/Jakarta")),
                        scheduler=False)
    await svc.start()
    await svc.wait_synced()
    yield svc, rec
    await svc.stop()


async def test_federated_member_reports_and_gets_bulletin(two_servers, fed_bridge):
    police, komunitas = two_servers
    svc, rec = fed_bridge
    bot_id = svc.cfg.bot_user_id
    alias = f"#ojol-batang:{police.server_name}"
    uid = komunitas.register("ojolremote", "pw-remote-123")
    assert uid.endswith(":" + komunitas.server_name) and komunitas.server_name != police.server_name
    u = await MxUser(komunitas.url, uid, "pw-remote-123").login()
    try:
        room_id = await u.join(alias)  # federated join
        assert room_id == rec["rooms"][alias]
        # the bridge has seen the federated join before the first message
        await async_wait_until(lambda: uid in getattr(svc.bot.client.rooms.get(room_id), "users", {}), 60,
                               f"the bridge to see {uid} join over federation")
        for text, expect in [("!lapor banjir", "lokasi"), ("Desa Klidang Lor, dekat pantai", "kapan"),
                             ("barusan", "ceritakan"),
                             ("Air rob masuk rumah warga setinggi lutut.", "lewati")]:
            m = u.mark()
            await u.text(room_id, text)
            await u.wait_bot_text(room_id, bot_id, expect, start=m, timeout=60)
        m = u.mark()
        await u.text(room_id, "lewati")
        ev = await u.wait_bot_text(room_id, bot_id, "nomor LK-", start=m, timeout=60)
        rid = re.search(r"LK-\d{4}-\d{6}", ev["content"]["body"]).group(0)
        rep = svc.store.get(rid)
        assert rep["pelapor"] == uid and rep["jenis"] == "bencana_alam"

        # Routine bulletin (clock 12:10 WIB -> siang due) reaches the remote member
        m = u.mark()
        sent = await svc.bulletins.run_due()
        assert ("siang", "2030-02-01") in sent
        await u.wait_bot_text(room_id, bot_id, "Siaran Kamtibmas Siang", start=m, timeout=60)

        # Operator status change is delivered to the remote reporter over federation
        m = u.mark()
        svc.store.update_status(rid, "diterima", "@operator:" + police.server_name)
        svc.delivery.wake()
        await u.wait_bot_text(room_id, bot_id, "diterima", start=m, timeout=60)
    finally:
        await u.close()
