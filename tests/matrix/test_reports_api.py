"""The report HTTP API (reports/api.py) served for real on a free loopback port (.venv/bridge).

The app runs in-process with aiohttp's AppRunner + TCPSite and is called over real HTTP; the
standalone `python -m reports` is started as a subprocess. Real SQLite in a temp dir.
"""
from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from devtools.net import free_port
from devtools.waiting import async_wait_until
from reports import outbox
from reports.api import make_app
from reports.store import open_store

ROOT = Path(__file__).resolve().parents[2]

aio = pytest.mark.asyncio(loop_scope="function")

TOKEN = "test-token-0123456789abcdef"
# For the tests whose behaviour involves no answer from Rasa (and test_status_endpoint, which checks
# the retry path when Rasa is down): nothing listens on the discard port. Delivery through the real
# Rasa is test_status_reaches_the_web_reporter_through_rasa.
UNREACHABLE_RASA = "http://127.0.0.1:9"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def new_report(**over):
    body = {"jenis": "bencana_alam",
            "lokasi": {"teks": "Desa Kalisalak, Limpung", "lat": -7.01, "lon": 109.9},
            "waktu": "barusan", "deskripsi": "Tanah longsor menutup separuh jalan desa.",
            "kanal": "web", "pelapor": "web-abc", "idempotency_key": "rasa:web-abc:1"}
    body.update(over)
    return body


class Served:
    def __init__(self, tmp_path: Path, **kw):
        self.tmp = tmp_path
        self.store = open_store(str(tmp_path / "reports.db"))
        self.created, self.changed = [], []
        self.kw = kw
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def start(self):
        async def on_status(report):  # async hook
            self.changed.append((report["id"], report["status"]))

        kw = {"on_created": lambda r: self.created.append(r["id"]), "on_status": on_status,
              "rasa_url": UNREACHABLE_RASA, "outbox_path": self.tmp / "outbox.jsonl", **self.kw}
        self.runner = web.AppRunner(make_app(self.store, TOKEN, **kw))
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.http = aiohttp.ClientSession(self.url)
        return self

    async def stop(self):
        await self.http.close()
        await self.runner.cleanup()
        self.store.close()


@pytest_asyncio.fixture
async def api(tmp_path):
    s = await Served(tmp_path).start()
    yield s
    await s.stop()


@aio
async def test_health_needs_no_token(api):
    async with api.http.get("/health") as r:
        assert r.status == 200 and (await r.json()) == {"status": "ok"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-xxxxxxxxxxxx"},
                                     {"Authorization": TOKEN}])
@aio
async def test_v1_needs_the_bearer_token(api, headers):
    for method, path in (("POST", "/v1/reports"), ("GET", "/v1/reports"),
                         ("GET", "/v1/reports/LK-2026-000001"),
                         ("POST", "/v1/reports/LK-2026-000001/status")):
        async with api.http.request(method, path, json=new_report(), headers=headers) as r:
            assert r.status == 401, (method, path)
            body = await r.json()
            assert body["error"] == "unauthorized" and "token" in body["pesan"]
    assert api.store.list() == []


@aio
async def test_create_idempotent_get_and_list(api):
    async with api.http.post("/v1/reports", json=new_report(), headers=AUTH) as r:
        assert r.status == 201
        first = await r.json()
    assert first["status"] == "baru" and first["created"] is True
    assert first["id"].startswith("LK-") and len(first["id"]) == 14
    async with api.http.post("/v1/reports", json=new_report(deskripsi="dikirim ulang oleh klien"),
                             headers=AUTH) as r:
        assert r.status == 200
        assert await r.json() == {"id": first["id"], "status": "baru", "created": False}
    assert api.created == [first["id"]]  # the hook ran once

    async with api.http.get(f"/v1/reports/{first['id'].lower()}", headers=AUTH) as r:
        assert r.status == 200
        rep = await r.json()
    assert rep["deskripsi"] == new_report()["deskripsi"]
    assert rep["lokasi"] == new_report()["lokasi"]
    assert [h["status"] for h in rep["riwayat"]] == ["baru"]

    await api.http.post("/v1/reports", json=new_report(idempotency_key="k2", pelapor="lain"), headers=AUTH)
    async with api.http.get("/v1/reports", params={"pelapor": "web-abc"}, headers=AUTH) as r:
        ids = [x["id"] for x in (await r.json())["reports"]]
    assert ids == [first["id"]]
    async with api.http.get("/v1/reports", headers=AUTH) as r:
        assert len((await r.json())["reports"]) == 2
    async with api.http.get("/v1/reports", params={"status": "hilang"}, headers=AUTH) as r:
        assert r.status == 400 and (await r.json())["field"] == "status"
    async with api.http.get("/v1/reports/LK-2000-000001", headers=AUTH) as r:
        assert r.status == 404 and "tidak ditemukan" in (await r.json())["pesan"]


@pytest.mark.parametrize("body,field", [
    ({"jenis": "alien"}, "jenis"),
    ({"lokasi": {"teks": ""}}, "lokasi.teks"),
    ({"deskripsi": "x"}, "deskripsi"),
    ({"pelapor": ""}, "pelapor"),
])
@aio
async def test_create_400_names_the_field(api, body, field):
    async with api.http.post("/v1/reports", json=new_report(**body), headers=AUTH) as r:
        assert r.status == 400
        err = await r.json()
    assert err["error"] == "invalid" and err["field"] == field and err["pesan"]
    assert api.store.list() == [] and api.created == []


@aio
async def test_create_400_on_broken_json(api):
    async with api.http.post("/v1/reports", data=b"{oops",
                             headers={**AUTH, "Content-Type": "application/json"}) as r:
        assert r.status == 400
        assert "JSON" in (await r.json())["pesan"]


@aio
async def test_status_endpoint(api):
    async with api.http.post("/v1/reports", json=new_report(), headers=AUTH) as r:
        rid = (await r.json())["id"]
    url = f"/v1/reports/{rid}/status"
    async with api.http.post(url, json={"status": "selesai", "oleh": "op"}, headers=AUTH) as r:
        assert r.status == 409 and (await r.json())["error"] == "transition"
    async with api.http.post(url, json={"status": "ditolak", "oleh": "op"}, headers=AUTH) as r:
        assert r.status == 400 and (await r.json())["field"] == "alasan"
    async with api.http.post(url, json={"status": "diterima"}, headers=AUTH) as r:
        assert r.status == 400 and (await r.json())["field"] == "oleh"
    async with api.http.post(url, json={"status": "kabur", "oleh": "op"}, headers=AUTH) as r:
        assert r.status == 400 and (await r.json())["field"] == "status"
    async with api.http.post("/v1/reports/LK-2000-000001/status", json={"status": "diterima", "oleh": "op"},
                             headers=AUTH) as r:
        assert r.status == 404
    async with api.http.post(url, json={"status": "ditangani", "oleh": "@bripka:polres.localhost"},
                             headers=AUTH) as r:
        assert r.status == 200
        rep = await r.json()
    assert rep["status"] == "ditangani" and rep["ditangani_oleh"] == "@bripka:polres.localhost"
    # same status again: 200, no new notification, no hook
    async with api.http.post(url, json={"status": "ditangani", "oleh": "x"}, headers=AUTH) as r:
        assert r.status == 200
    async with api.http.post(url, json={"status": "ditolak", "oleh": "op", "alasan": "Laporan ganda"},
                             headers=AUTH) as r:
        assert r.status == 200 and (await r.json())["alasan"] == "Laporan ganda"
    assert api.changed == [(rid, "ditangani"), (rid, "ditolak")]
    pend = api.store.pending_notifications(target="pelapor", kanal="web")
    assert [n["status"] for n in pend] == ["ditangani", "ditolak"]
    # Rasa (rasa_url) is unreachable in this test: deliveries are attempted, fail, and stay pending
    def attempted():
        return all(n["attempts"] >= 1 for n in api.store.pending_notifications(kanal="web"))

    await async_wait_until(attempted, 30, "both deliveries to be attempted")
    pend = api.store.pending_notifications(kanal="web")
    assert len(pend) == 2 and all(n["attempts"] >= 1 for n in pend)


@aio
async def test_status_reaches_the_web_reporter_through_rasa(tmp_path, rasa_url):
    """With the session's real Rasa, a status change of a web report is delivered: Rasa accepts the
    trigger_intent, the notification leaves the queue, and the reporter's conversation gets the
    assistant's status message naming the report."""
    import json
    import urllib.request
    import uuid

    from scripts import servers
    sender = f"web-notif-{uuid.uuid4().hex[:10]}"
    s = await Served(tmp_path, rasa_url=rasa_url, notify_interval=0.2).start()
    try:
        async with s.http.post("/v1/reports", json=new_report(pelapor=sender, idempotency_key=sender),
                               headers=AUTH) as r:
            rid = (await r.json())["id"]
        async with s.http.post(f"/v1/reports/{rid}/status", json={"status": "diterima", "oleh": "op"},
                               headers=AUTH) as r:
            assert r.status == 200
        await async_wait_until(lambda: not s.store.pending_notifications(kanal="web"), 90,
                               "the web notification to be delivered through Rasa")
        with urllib.request.urlopen(servers.with_token(f"{rasa_url}/conversations/{sender}/tracker"),
                                    timeout=30) as resp:
            tracker = json.loads(resp.read())
        intents = [e["parse_data"]["intent"]["name"] for e in tracker["events"] if e["event"] == "user"]
        bot = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
        assert "lapor_pembaruan_status" in intents, intents
        assert any(rid in t for t in bot), bot
    finally:
        await s.stop()


@aio
async def test_failing_hooks_do_not_break_the_answer(tmp_path):
    def boom(report):
        raise RuntimeError("hook exploded")

    s = await Served(tmp_path, on_created=boom, on_status=boom).start()
    try:
        async with s.http.post("/v1/reports", json=new_report(), headers=AUTH) as r:
            assert r.status == 201
            rid = (await r.json())["id"]
        async with s.http.post(f"/v1/reports/{rid}/status", json={"status": "diterima", "oleh": "op"},
                               headers=AUTH) as r:
            assert r.status == 200
        assert s.store.get(rid)["status"] == "diterima"
    finally:
        await s.stop()


@aio
async def test_background_ingests_the_outbox(tmp_path):
    ob = tmp_path / "outbox.jsonl"
    outbox.append(ob, new_report(idempotency_key="queued-1", pelapor="web-q"))
    s = await Served(tmp_path, outbox_interval=0.2).start()
    try:
        await async_wait_until(s.store.list, 30, "the queued report to be ingested")
        assert [r["pelapor"] for r in s.store.list()] == ["web-q"]
        outbox.append(ob, new_report(idempotency_key="queued-2", pelapor="web-q2"))
        await async_wait_until(lambda: len(s.store.list()) == 2 and ob.read_text() == "", 30,
                               "the second queued report to be ingested and the outbox emptied")
        assert {r["pelapor"] for r in s.store.list()} == {"web-q", "web-q2"}
        assert ob.read_text() == ""
    finally:
        await s.stop()


@aio
async def test_make_app_refuses_a_weak_token(tmp_path):
    store = open_store(str(tmp_path / "r.db"))
    with pytest.raises(ValueError):
        make_app(store, "")
    with pytest.raises(ValueError):
        make_app(store, "short")
    store.close()


def _env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    env.update({"PYTHONPATH": str(ROOT), "REPORTS_DB_URL": f"sqlite:///{tmp_path / 'r.db'}",
                "REPORTS_TOKEN_FILE": str(tmp_path / "reports.token"),
                "REPORTS_OUTBOX": str(tmp_path / "outbox.jsonl"), "RASA_URL": UNREACHABLE_RASA})
    env.update(extra)
    return env


def test_standalone_refuses_non_loopback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "reports"], cwd=ROOT, capture_output=True, text=True,
                       env=_env(tmp_path, REPORTS_HOST="0.0.0.0", REPORTS_PORT=str(free_port())), timeout=60)
    assert r.returncode == 2 and "loopback" in r.stderr


def reachable(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((host, port)) == 0


def test_probe_address_tells_wildcard_from_loopback_binds():
    """The control for the loopback check below: 127.0.0.2 reaches a 0.0.0.0 listener but not a
    127.0.0.1 one (if it could not tell them apart, that check would pass vacuously)."""
    for bind, other_reaches in (("0.0.0.0", True), ("127.0.0.1", False)):
        with socket.socket() as srv:
            srv.bind((bind, 0))
            srv.listen()
            port = srv.getsockname()[1]
            assert reachable("127.0.0.1", port)
            assert reachable("127.0.0.2", port) is other_reaches, bind


def test_standalone_generates_token_and_serves(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "reports"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=_env(tmp_path, REPORTS_PORT=str(port)))
    try:
        import urllib.request
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline
                time.sleep(0.2)
        tok_file = tmp_path / "reports.token"
        token = tok_file.read_text().strip()
        assert len(token) >= 32
        assert stat.S_IMODE(tok_file.stat().st_mode) == 0o600
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/reports",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200
        # It listens on 127.0.0.1 only. On Linux all of 127.0.0.0/8 reaches this host, so a socket
        # bound to 0.0.0.0 (every address) answers on 127.0.0.2 too, while one bound to 127.0.0.1
        # does not: 127.0.0.2 stands in for "any other address of this host".
        assert reachable("127.0.0.1", port)
        assert not reachable("127.0.0.2", port), "the report API answers beyond 127.0.0.1"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert str(tmp_path / "reports.token") in out
