"""Crash the bridge (SIGKILL) in the middle of a burst and start it again: every message gets
exactly one answer (none lost, none doubled) and a report filed across the crash exists once."""
from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.net import free_port
from devtools.waiting import async_wait_until

from conftest import ROOT, room

pytestmark = pytest.mark.asyncio(loop_scope="function")


def spawn_bridge(synapse, provisioned, state_dir: Path, db: Path, log: Path,
                 rasa_url: str) -> subprocess.Popen:
    env = dict(os.environ,
               MATRIX_HOMESERVER=synapse.url, SYNAPSE_SERVER_NAME=synapse.server_name,
               MATRIX_BOT_PASSWORD=provisioned["bot_password"], BRIDGE_STATE_DIR=str(state_dir),
               REPORTS_PORT=str(free_port()), REPORTS_TOKEN="test-token-0123456789abcdef",
               REPORTS_DB_URL=f"sqlite:///{db}", RASA_URL=rasa_url,
               BULLETIN_TIMES="pagi=06:00")
    return subprocess.Popen([sys.executable, "-m", "matrix_bridge", "--log-level", "INFO"], cwd=str(ROOT),
                            env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT)


async def wait_log(log: Path, text: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} not in bridge log:\n{log.read_text()[-3000:]}")


async def marker(user, room_id: str, bot_id: str, rid: str, timeout: float = 90) -> None:
    """Sends `!status rid` and waits for its answer. The bridge handles one sender's events in a
    room in order, so once this answer is in, any reply to an earlier message (a duplicate
    included) has already been sent: no fixed "nothing else arrived" window is needed."""
    m = user.mark()
    await user.text(room_id, f"!status {rid}")
    await user.wait_bot_text(room_id, bot_id, rid, start=m, timeout=timeout)


async def first_answer(user, room_id: str, bot_id: str, rid: str, timeout: float = 90) -> None:
    """Readiness of a freshly started bridge: its very first sync skips older messages, so
    `!status rid` is sent again every few seconds until answered (deadline `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await marker(user, room_id, bot_id, rid, timeout=5)
        except AssertionError:
            if time.monotonic() > deadline:
                raise


async def test_kill_mid_burst_exactly_once(synapse, provisioned, user_factory, tmp_path, rasa_url):
    bot_id = f"@kamtibmas-bot:{synapse.server_name}"
    ojol = room(provisioned, "ojol-batang")
    state_dir, db, log = tmp_path / "bridge", tmp_path / "reports.db", tmp_path / "bridge.log"
    warga = await user_factory("burst", join=[ojol])
    pelapor = await user_factory("pelapor", join=[ojol])
    proc = spawn_bridge(synapse, provisioned, state_dir, db, log, rasa_url)
    try:
        await wait_log(log, "bridge running")
        await first_answer(warga, ojol, bot_id, "LK-2029-000001")  # first sync done, events handled
        # A report conversation whose final message lands during the burst
        for text in ["!lapor", "2", "Simpang Tiga Kandeman", "barusan", "Truk menyerempet pengendara motor"]:
            m = pelapor.mark()
            await pelapor.text(ojol, text)
            await pelapor.wait_bot_text(ojol, bot_id, "", start=m)

        n = 40
        ids = [f"LK-2030-{i:06d}" for i in range(1, n + 1)]
        start = warga.mark()
        killed = False
        for i, rid in enumerate(ids):
            await warga.text(ojol, f"!status {rid}")
            if i == n // 2:
                await pelapor.text(ojol, "kirim")
            if i == n // 2 + 3 and not killed:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                killed = True
        assert killed
        proc = spawn_bridge(synapse, provisioned, state_dir, db, log, rasa_url)

        answered: dict[str, int] = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(answered) < n:
            await warga.pump(1000)
            answered = {}
            for r, e in warga.events[start:]:
                body = (e.get("content") or {}).get("body", "")
                if r == ojol and e.get("sender") == bot_id and "tidak ditemukan" in body:
                    for rid in re.findall(r"LK-2030-\d{6}", body):
                        answered[rid] = answered.get(rid, 0) + 1
        await marker(warga, ojol, bot_id, "LK-2029-000002")  # duplicates would have come before it
        answered = {}
        for r, e in warga.events[start:]:
            body = (e.get("content") or {}).get("body", "")
            if r == ojol and e.get("sender") == bot_id and "tidak ditemukan" in body:
                for rid in re.findall(r"LK-2030-\d{6}", body):
                    answered[rid] = answered.get(rid, 0) + 1
        assert sorted(answered) == ids, f"missing: {sorted(set(ids) - set(answered))}"
        assert all(v == 1 for v in answered.values()), {k: v for k, v in answered.items() if v != 1}

        # The report sent mid-burst exists exactly once and was confirmed exactly once
        await pelapor.wait_bot_text(ojol, bot_id, "LK-2029-000002")  # pelapor saw up to the marker
        confirmations = [e for r, e in pelapor.events if r == ojol and e.get("sender") == bot_id
                         and "nomor LK-" in (e.get("content") or {}).get("body", "")]
        assert len(confirmations) == 1
        from reports.store import open_store
        st = open_store(f"sqlite:///{db}")
        try:
            mine = st.reports_for(pelapor.user_id)
            assert len(mine) == 1 and mine[0]["jenis"] == "kecelakaan_lalu_lintas"
        finally:
            st.close()

        # Long downtime: more events than one sync timeline holds (limited timeline -> backfill)
        proc.terminate()
        proc.wait(20)
        n2 = 230
        ids2 = [f"LK-2031-{i:06d}" for i in range(1, n2 + 1)]
        start2 = warga.mark()
        for rid in ids2:
            await warga.text(ojol, f"!status {rid}")
        proc = spawn_bridge(synapse, provisioned, state_dir, db, log, rasa_url)
        got: dict[str, int] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(got) < n2:
            await warga.pump(1000)
            got = {}
            for r, e in warga.events[start2:]:
                body = (e.get("content") or {}).get("body", "")
                if r == ojol and e.get("sender") == bot_id:
                    for rid in re.findall(r"LK-2031-\d{6}", body):
                        got[rid] = got.get(rid, 0) + 1
        assert sorted(got) == ids2, f"missing {len(set(ids2) - set(got))}"
        await marker(warga, ojol, bot_id, "LK-2029-000003")
        got = {}
        for r, e in warga.events[start2:]:
            body = (e.get("content") or {}).get("body", "")
            if r == ojol and e.get("sender") == bot_id:
                for rid in re.findall(r"LK-2031-\d{6}", body):
                    got[rid] = got.get(rid, 0) + 1
        assert all(v == 1 for v in got.values()), {k: v for k, v in got.items() if v != 1}
        assert "backfilled" in log.read_text()
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(20)


async def test_bridge_survives_homeserver_restart(synapse, bridge_factory, user_factory, provisioned, caplog):
    """Connection loss: Synapse goes away and comes back; the bridge backs off, resyncs and
    answers messages sent after the outage."""
    caplog.set_level(logging.WARNING, logger="matrix_bridge")
    caplog.set_level(logging.WARNING, logger="nio.client")  # nio retries failed requests itself
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    ojol = room(provisioned, "ojol-batang")
    warga = await user_factory("putus", join=[ojol])
    m = warga.mark()
    await warga.text(ojol, "!status LK-2030-100001")
    await warga.wait_bot_text(ojol, bot_id, "LK-2030-100001", start=m)

    def sync_failed() -> bool:  # the bridge (or nio's own retry inside it) logged a failed request
        return any(r.getMessage().startswith(("sync failed", "sync error", "Timed out, sleeping"))
                   for r in caplog.records)

    await asyncio.to_thread(synapse.stop)
    try:  # the bridge noticed the outage before Synapse comes back
        await async_wait_until(sync_failed, 60, "the bridge's sync to fail during the outage")
    finally:  # whatever happened, the session's Synapse runs again for the next tests
        await asyncio.to_thread(synapse.start)  # returns once Synapse answers /health
    m = warga.mark()
    await warga.text(ojol, "!status LK-2030-100002")
    ev = await warga.wait_bot_text(ojol, bot_id, "LK-2030-100002", start=m, timeout=90)
    assert "tidak ditemukan" in ev["content"]["body"]
    assert not svc.sync_task.done()


def _report(pelapor: str, i: int) -> dict:
    return {"jenis": "pencurian", "lokasi": {"teks": f"Pasar Batang los {i}"}, "waktu": "barusan",
            "deskripsi": f"Sepeda motor hilang di parkiran nomor {i}", "kanal": "web", "pelapor": pelapor,
            "idempotency_key": f"{pelapor}-{i}"}


async def test_reports_filed_while_homeserver_restarts_arrive_exactly_once(synapse, bridge_factory, operator,
                                                                           provisioned, tmp_path):
    """Web reports keep coming into the report API while Synapse stops and starts again (each
    POSTed twice, as a client retrying would): every report is stored once and its operator card
    reaches #operator-polres exactly once after Synapse is back."""
    import aiohttp
    svc = await bridge_factory(state_dir=tmp_path / "b-reports")
    api = f"http://127.0.0.1:{svc.cfg.reports_port}/v1/reports"
    hdr = {"Authorization": f"Bearer {svc.cfg.reports_token}"}
    op_room = room(provisioned, "operator-polres")
    pelapor = f"web-restart-{os.getpid()}-{int(time.time())}"
    start = operator.mark()
    n = 12
    down = asyncio.Event()

    async def restart_homeserver():
        await asyncio.to_thread(synapse.stop)
        down.set()
        await asyncio.sleep(5)
        await asyncio.to_thread(synapse.start)  # returns once Synapse answers /health

    restart = asyncio.create_task(restart_homeserver())
    statuses = []
    try:
        async with aiohttp.ClientSession(headers=hdr) as http:
            await down.wait()
            for i in range(n):  # while Synapse is down and while it starts again
                for _ in range(2):
                    async with http.post(api, json=_report(pelapor, i)) as r:
                        statuses.append(r.status)
                await asyncio.sleep(0.5)
    finally:
        await restart
    assert statuses == [201, 200] * n, statuses
    ids = [r["id"] for r in svc.store.reports_for(pelapor)]
    assert len(ids) == n and len(set(ids)) == n

    def cards() -> dict[str, int]:
        seen: dict[str, int] = {}
        for r, e in operator.events[start:]:
            body = (e.get("content") or {}).get("body", "")
            if r == op_room and e.get("sender") == svc.cfg.bot_user_id and body.startswith("LAPORAN "):
                rid = body.split()[1]
                if rid in ids:
                    seen[rid] = seen.get(rid, 0) + 1
        return seen

    async def all_cards():
        await operator.pump(1000)
        return len(cards()) == n and not [p for p in svc.store.pending_notifications(target="operator")
                                          if p["laporan_id"] in ids]
    await async_wait_until(all_cards, 180, "a card for every report filed during the restart")
    await operator.pump(3000)  # a duplicate would be sent right after the first delivery
    assert cards() == {rid: 1 for rid in ids}


async def test_bulletin_due_while_homeserver_down_is_sent_once_after(synapse, bridge_factory, user_factory,
                                                                      provisioned, tmp_path):
    """The pagi bulletin falls due while Synapse is down: the bridge keeps trying (nio retries a
    refused connection with the same transaction id) and the bulletin reaches the rooms exactly
    once after Synapse is back; running the slot again sends nothing."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    now = datetime(2030, 1, 15, 6, 0, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    svc = await bridge_factory(state_dir=tmp_path / "b-siaran", clock=lambda: now,
                               bulletin_times={"pagi": "06:00"})
    ojol = room(provisioned, "ojol-batang")
    warga = await user_factory("siaran", join=[ojol])
    start = warga.mark()
    await asyncio.to_thread(synapse.stop)
    try:
        due = asyncio.create_task(svc.bulletins.run_due())  # what the cron job does at 06:00
        await asyncio.sleep(5)
        assert not due.done() and not svc.state.bulletin_sent("pagi", "2030-01-15")
    finally:
        await asyncio.to_thread(synapse.start)
    assert await asyncio.wait_for(due, 120) == [("pagi", "2030-01-15")]
    assert await svc.bulletins.run_due() == []  # sent once: never again
    await marker(warga, ojol, svc.cfg.bot_user_id, "LK-2030-300001")
    got = [e for r, e in warga.events[start:] if r == ojol and e.get("sender") == svc.cfg.bot_user_id
           and "Siaran Kamtibmas Pagi — 15 Januari 2030" in (e.get("content") or {}).get("body", "")]
    assert len(got) == 1, got
