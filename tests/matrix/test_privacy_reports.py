"""Report privacy (issue 13) on the real report API (served over real HTTP, real SQLite) and real
processes: a status only for its reporter or with the secret code, one answer for "not found" and
"not yours", the schema migration of an existing store, the retention purge of closed reports,
`make purge`, and masked log lines. No Synapse needed (the Matrix side: test_privacy_matrix.py)."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import pytest_asyncio
from test_reports_api import AUTH, Served, new_report

from devtools.net import free_port
from privacy.masking import mask_text
from reports import access, db
from reports.store import open_store

ROOT = Path(__file__).resolve().parents[2]
aio = pytest.mark.asyncio(loop_scope="function")

NIK, HP, EMAIL = "3325011203850001", "0812-3456-7890", "budi.santoso@mail.co.id"


@pytest_asyncio.fixture
async def api(tmp_path):
    s = await Served(tmp_path).start()
    yield s
    await s.stop()


async def cek(api, rid: str, **body):
    async with api.http.post(f"/v1/reports/{rid}/cek", json=body, headers=AUTH) as r:
        return r.status, await r.json()


@aio
async def test_status_only_for_the_reporter_or_with_the_code(api):
    async with api.http.post("/v1/reports", json=new_report(), headers=AUTH) as r:
        assert r.status == 201
        created = await r.json()
    rid, kode = created["id"], created["kode"]
    assert access.normalize_code(kode) and len(access.normalize_code(kode)) == access.CODE_LEN
    # only the hash is stored
    row = api.store._query("SELECT * FROM reports WHERE id = ?", (rid,))[0]
    assert kode not in json.dumps(row) and access.normalize_code(kode) not in json.dumps(row)
    assert row["kode_hash"] == access.hash_code(rid, kode)

    # the reporter (same kanal + pelapor): the status, not the report
    status, mine = await cek(api, rid, pelapor="web-abc", kanal="web")
    assert status == 200 and mine["status"] == "baru" and mine["pemilik"] is True
    assert not {"deskripsi", "lokasi", "pelapor", "pelapor_nama", "ruang"} & set(mine)

    # anyone else, a Matrix user with the same id, a wrong code, no such report: one answer
    nobody = await cek(api, "LK-2000-000001", pelapor="web-abc", kanal="web")
    assert nobody[0] == 404
    for body in ({"pelapor": "web-other", "kanal": "web"}, {"pelapor": "web-abc", "kanal": "matrix"},
                 {"kode": "ABCD-2345"}, {"pelapor": "web-other", "kanal": "web", "kode": "nope"}, {}):
        got = await cek(api, rid, **body)
        assert got == (404, {**nobody[1], "pesan": nobody[1]["pesan"].replace("LK-2000-000001", rid)}), body

    # the code works for a stranger, typed in any case and spacing
    status, view = await cek(api, rid, pelapor="web-other", kanal="web", kode=kode.lower().replace("-", " "))
    assert status == 200 and view["id"] == rid and view["pemilik"] is False
    assert "deskripsi" not in view

    # the full report stays staff-only (operators' token); repeats return no code
    async with api.http.post("/v1/reports", json=new_report(), headers=AUTH) as r:
        assert "kode" not in await r.json()
    async with api.http.post(f"/v1/reports/{rid}/cek", data=b"[1]", headers=AUTH) as r:
        assert r.status == 400


@aio
async def test_guessing_codes_is_pointless(api):
    async with api.http.post("/v1/reports", json=new_report(), headers=AUTH) as r:
        created = await r.json()
    for i in range(access.MAX_FAILURES):
        assert (await cek(api, created["id"], kode=f"ABCD-{2345 + i}"))[0] == 404
    # after MAX_FAILURES wrong codes within the window even the right code gets the same 404
    assert (await cek(api, created["id"], kode=created["kode"]))[0] == 404
    # the reporter is never locked out
    assert (await cek(api, created["id"], pelapor="web-abc", kanal="web"))[0] == 200


@aio
async def test_contact_field_is_the_reporters_choice(api):
    """`kontak`: optional, only a phone number or e-mail address; kept as given in the report and
    on the operator card (the exception to masking), never in a status view."""
    async with api.http.post("/v1/reports", json=new_report(kontak="jalan raya"), headers=AUTH) as r:
        assert r.status == 400 and (await r.json())["field"] == "kontak"
    body = new_report(kontak=f" HP: {HP} ", deskripsi=f"hubungi juga {HP}")
    async with api.http.post("/v1/reports", json=body, headers=AUTH) as r:
        created = await r.json()
    rep = api.store.get(created["id"])
    assert rep["kontak"] == f"HP: {HP}"
    card = api.store.pending_notifications(target="operator")[0]["pesan"]
    assert f"Kontak yang diberikan pelapor: HP: {HP}" in card
    assert f"hubungi juga {mask_text(HP)}" in card
    status, view = await cek(api, created["id"], pelapor="web-abc", kanal="web")
    assert status == 200 and "kontak" not in view


def test_existing_store_gets_the_code_column(tmp_path):
    """A report store created before the code existed: opening it adds the column; old reports
    keep working for their reporter and have no code (nobody else can see them)."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for stmt in db.SCHEMA_SQL:
        conn.execute(stmt.replace(",\n        kode_hash TEXT,\n        kontak TEXT", ""))
    conn.execute("INSERT INTO reports (id, tahun, nomor, jenis, lokasi_teks, waktu, deskripsi, lampiran, "
                 "kanal, pelapor, idempotency_key, status, dibuat, diperbarui) VALUES ('LK-2025-000007', "
                 "2025, 7, 'lainnya', 'Desa Sawahjoho', 'kemarin', 'lampu jalan mati', '[]', 'web', "
                 "'web-old', 'k-old', 'baru', '2025-01-02T10:00:00+07:00', '2025-01-02T10:00:00+07:00')")
    conn.commit()
    assert not {"kode_hash", "kontak"} & {r[1] for r in conn.execute("PRAGMA table_info(reports)")}
    conn.close()
    for _ in range(2):  # idempotent
        with open_store(str(path)) as store:
            cols = [r[1] for r in store._conn.execute("PRAGMA table_info(reports)")]
            assert cols.count("kode_hash") == 1 and cols.count("kontak") == 1
            assert store.get("LK-2025-000007")["deskripsi"] == "lampu jalan mati"
            assert store.status_for("LK-2025-000007", pelapor="web-old", kanal="web")["status"] == "baru"
            assert store.status_for("LK-2025-000007", kode="ABCD-2345") is None


def _age(store, rid: str, days: float) -> None:
    old = (datetime.now(timezone.utc) - timedelta(days=days)).astimezone(
        timezone(timedelta(hours=7))).isoformat(timespec="seconds")
    store._conn.execute("UPDATE reports SET diperbarui = ?, dibuat = ? WHERE id = ?", (old, old, rid))


def _reports(store, n: int, prefix: str):
    return [store.create(new_report(idempotency_key=f"{prefix}{i}", pelapor=f"web-{prefix}{i}"))[0]["id"]
            for i in range(n)]


def test_closed_reports_are_purged_after_their_retention(store):
    old_done, old_rejected, old_open, new_done = _reports(store, 4, "p")
    store.update_status(old_done, "diterima", "op")
    store.update_status(old_done, "selesai", "op")
    store.update_status(old_rejected, "ditolak", "op", "bukan wilayah Batang")
    store.update_status(new_done, "diterima", "op")
    store.update_status(new_done, "selesai", "op")
    for rid in (old_done, old_rejected, old_open):
        _age(store, rid, 400)
    removed = store.purge_closed(365)
    assert sorted(removed) == sorted([old_done, old_rejected])
    assert store.get(old_done) is None and store.history(old_done) == []
    assert not store._query("SELECT 1 FROM notifications WHERE laporan_id IN (?, ?)",
                            (old_done, old_rejected))
    assert store.get(old_open)["status"] == "baru"  # open reports are never purged
    assert store.get(new_done)["status"] == "selesai"
    assert store.purge_closed(365) == []


def _run(args, **env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def test_make_purge_removes_old_conversations_and_closed_reports(tmp_path):
    """`make purge` = `python -m scripts.purge`: a real SQLite tracker db (Rasa's `events` table)
    with one old and one current conversation, and a report store with an old closed report."""
    tdb = tmp_path / "tracker.db"
    conn = sqlite3.connect(tdb)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                 "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                 "action_name VARCHAR(255), data TEXT)")
    now = time.time()
    rows = [("lama", "user", now - 40 * 86400), ("lama", "bot", now - 40 * 86400 + 1),
            # a current conversation: an old session before its newest session_started goes
            ("aktif", "user", now - 45 * 86400), ("aktif", "session_started", now - 3600),
            ("aktif", "user", now - 3500)]
    conn.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) "
                     "VALUES (?, ?, ?, '{}')", rows)
    conn.commit()
    conn.close()
    rdb = tmp_path / "reports.db"
    with open_store(str(rdb)) as store:
        rid = _reports(store, 1, "m")[0]
        store.update_status(rid, "ditolak", "op", "ganda")
        _age(store, rid, 500)
    out = _run(["-m", "scripts.purge", "--tracker-db", str(tdb), "--reports-db", f"sqlite:///{rdb}"])
    assert out.returncode == 0, out.stderr
    assert "1 percakapan dihapus seluruhnya, 3 event dihapus" in out.stdout, out.stdout
    assert f"1 laporan selesai/ditolak dihapus ({rid})" in out.stdout
    left = sqlite3.connect(tdb).execute("SELECT sender_id, type_name FROM events ORDER BY id").fetchall()
    assert left == [("aktif", "session_started"), ("aktif", "user")]
    # the Makefile target exists and is documented
    make = (ROOT / "Makefile").read_text()
    assert "\npurge:" in make and "make purge" in make and "-m scripts.purge" in make
    # a bad setting is refused with a clear message
    bad = _run(["-m", "scripts.purge", "--tracker-db", str(tdb)], RETENTION_DAYS="-1")
    assert bad.returncode == 2 and "RETENTION_DAYS" in bad.stderr


def test_web_chat_server_log_is_masked(tmp_path):
    """The web chat server (`python -m webchat.serve`, a real process) logs every request; personal
    data in a request line is masked in its log (privacy/masking.py)."""
    import urllib.error
    import urllib.request

    port = free_port()
    log = tmp_path / "webchat.log"
    proc = subprocess.Popen([sys.executable, "-m", "webchat.serve", "--port", str(port),
                             "--rasa-internal-url", "http://127.0.0.1:9"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
                time.sleep(0.3)
        for path in (f"/?nik={NIK}&hp={HP.replace('-', '')}&email={EMAIL}", f"/tidak-ada/{NIK}"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
            except urllib.error.HTTPError:
                pass
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(20)
    text = log.read_text()
    assert "GET /?nik=" in text and "GET /tidak-ada/" in text, text  # the requests were logged ...
    for raw in (NIK, HP.replace("-", ""), EMAIL):
        assert raw not in text, raw                                     # ... masked
    assert mask_text(NIK) in text and "b***@mail.co.id" in text


CHAT = "chat-token-0123456789abcdef"
CHAT_AUTH = {"Authorization": f"Bearer {CHAT}"}


@aio
async def test_the_chat_token_cannot_read_or_enumerate_reports(tmp_path):
    """The action server's token (REPORTS_CHAT_TOKEN): create, /cek and one reporter's list as
    status views; no report by id, no list of everyone's, no status change."""
    api = await Served(tmp_path, chat_token=CHAT).start()
    try:
        async with api.http.post("/v1/reports", json=new_report(), headers=CHAT_AUTH) as r:
            assert r.status == 201
            created = await r.json()
        rid = created["id"]
        assert created["kode"]
        for method, path, params in (("GET", f"/v1/reports/{rid}", None), ("GET", "/v1/reports", None),
                                     ("GET", "/v1/reports", {"pelapor": "web-abc"}),
                                     ("POST", f"/v1/reports/{rid}/status", None)):
            async with api.http.request(method, path, params=params, headers=CHAT_AUTH,
                                        json={"status": "diterima", "oleh": "x"}) as r:
                assert r.status == 403, (method, path)
                assert (await r.json())["error"] == "forbidden"
        assert api.store.get(rid)["status"] == "baru"
        async with api.http.get("/v1/reports", params={"pelapor": "web-abc", "kanal": "web"},
                                headers=CHAT_AUTH) as r:
            [mine] = (await r.json())["reports"]
        assert mine["id"] == rid and mine["status"] == "baru" and "deskripsi" not in mine
        async with api.http.post(f"/v1/reports/{rid}/cek", json={"kode": created["kode"]},
                                 headers=CHAT_AUTH) as r:
            assert r.status == 200
        # the staff token still sees everything (operators' tools)
        async with api.http.get(f"/v1/reports/{rid}", headers=AUTH) as r:
            assert r.status == 200 and (await r.json())["deskripsi"]
    finally:
        await api.stop()


def test_clients_prefer_the_chat_token(tmp_path, monkeypatch):
    from reports import config

    monkeypatch.delenv("REPORTS_TOKEN", raising=False)
    monkeypatch.setenv("REPORTS_CHAT_TOKEN", CHAT)
    assert config.client_token() == CHAT
    monkeypatch.delenv("REPORTS_CHAT_TOKEN")
    monkeypatch.setenv("REPORTS_TOKEN", "staff-token-0123456789")
    assert config.client_token() == "staff-token-0123456789"  # tests and tools name it explicitly


def test_bot_texts_keep_the_polres_published_contacts(tmp_path):
    """Stored bot answers quote the Polres' own contacts (config/polres.yml): those stay readable;
    a citizen's number in the same text, or typed by a user, is masked."""
    from privacy.masking import mask_event, public_contacts

    cfg = tmp_path / "polres.yml"
    cfg.write_text("kontak:\n  telepon: (0285) 391110\n  whatsapp: 0811-2600-110\n"
                   "  email: humas.batang@polri.go.id\n")
    keep = public_contacts(str(cfg))
    answer = f"WA resmi 0811-2600-110, humas.batang@polri.go.id; Anda: {HP}"
    bot = mask_event({"event": "bot", "text": answer}, keep)
    assert "0811-2600-110" in bot["text"] and "humas.batang@polri.go.id" in bot["text"]
    assert HP not in bot["text"] and "0812******90" in bot["text"]
    user = mask_event({"event": "user", "text": "wa polres 0811-2600-110 ya?"}, keep)
    assert "0811-2600-110" not in user["text"]  # user texts: everything masked


def test_abandoned_matrix_report_drafts_expire(tmp_path):
    """A report draft left half-filled in the bridge state (bridge.db) is forgotten after
    RETENTION_DAYS (the Kamtibmas service's upkeep calls prune_conversations)."""
    from matrix_bridge.state import BridgeState

    state = BridgeState(tmp_path / "bridge.db")
    state.set_conv("@lama:polres.localhost", "!r:polres.localhost", {"deskripsi": f"hp {HP}"})
    state.set_conv("@baru:polres.localhost", "!r:polres.localhost", {"deskripsi": "baru saja"})
    state._exec("UPDATE conv SET updated = ? WHERE user_id = ?", (time.time() - 31 * 86400,
                                                                  "@lama:polres.localhost"))
    assert state.prune_conversations(30 * 86400) == 1
    assert state.get_conv("@lama:polres.localhost", "!r:polres.localhost") is None
    assert state.get_conv("@baru:polres.localhost", "!r:polres.localhost") == {"deskripsi": "baru saja"}
    state.close()
