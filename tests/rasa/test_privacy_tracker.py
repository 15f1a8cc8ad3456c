"""Personal data in the chat (issue 13, UU 27/2022 PDP), against the real services: the session's
Rasa with its real SQLite tracker store (privacy.tracker_store.MaskedSQLTrackerStore), the real
action server and a real report API; the retention purge of the real tracker store class; the
action server's log. Redis: tests/rasa/test_redis.py."""
from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml
from test_lapor_flow import (  # noqa: F401 - e2e is a fixture
    FULL,
    RASA_BIN,
    ROOT,
    ReportApi,
    e2e,
    http,
    run_action,
    say,
    slot_events,
    texts,
    tracker,
    wait_http,
)

from devtools.net import free_port
from privacy.masking import mask_text
from reports import schema

NIK, HP, EMAIL = "3325011203850001", "0812-3456-7890", "budi.santoso@mail.co.id"
RAW = (NIK, HP, "081234567890", "3456-7890", EMAIL, "budi.santoso")


def tracker_db_of(rasa_url: str) -> Path:
    """The SQLite file of the Rasa server listening on rasa_url: from its command line
    (--endpoints) and that endpoints file (tracker_store.db)."""
    port = rasa_url.rsplit(":", 1)[1].strip("/")
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in args if a]
        if "run" in args and "-p" in args and args[args.index("-p") + 1] == port and "--endpoints" in args:
            endpoints = yaml.safe_load(Path(args[args.index("--endpoints") + 1]).read_text())
            store = endpoints["tracker_store"]
            assert store["type"] == "privacy.tracker_store.MaskedSQLTrackerStore", store
            return Path(store["db"])
    pytest.fail(f"no Rasa process found for {rasa_url}")


def rows_of(db: Path, sender: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
                            (sender,)).fetchall()
    finally:
        conn.close()


def test_real_conversation_leaves_no_personal_data_in_the_sqlite_tracker(e2e):
    api, rasa_url = e2e
    db = tracker_db_of(rasa_url)
    sender = f"pdp-{uuid.uuid4().hex[:10]}"
    say(rasa_url, sender, f"halo, nik saya {NIK}")
    say(rasa_url, sender, f"nomor hp saya {HP}, email {EMAIL}")
    # a report whose description gives a contact: the REPORT keeps it (same turn), the tracker not
    say(rasa_url, sender, "ada kecelakaan di jalan pantura dekat alas roban")
    say(rasa_url, sender, "Jl. Raya Pantura km 12, Desa Banyuputih")
    say(rasa_url, sender, "barusan")
    done = say(rasa_url, sender, f"Truk menabrak motor, hubungi saya {HP} atau {EMAIL}")
    [rid] = schema.find_ids(done)
    kode = re.search(r"Kode rahasia laporan: ([A-Z0-9]{4}-[A-Z0-9]{4})", done).group(1)
    status, rep = api.get(f"/v1/reports/{rid}")
    assert status == 200 and HP in rep["deskripsi"] and EMAIL in rep["deskripsi"]

    rows = rows_of(db, sender)
    assert len(rows) > 20
    stored = "\n".join(data for _, data in rows)
    for raw in (*RAW, kode, kode.replace("-", "")):
        assert raw not in stored, raw
    user_texts = [t for kind, t in rows if kind == "user"]
    masked = [t for t in user_texts if "3325**********01" in t or "0812******90" in t or "b***@mail" in t]
    assert len(masked) >= 3, user_texts  # the NIK message, the contact message, the description
    # slot value and the bot's confirmation (with the code) are masked too; the report id is not
    assert any('"deskripsi_kejadian"' in t and "0812******90" in t for k, t in rows if k == "slot")
    assert any(rid in t and "****-****" in t for k, t in rows if k == "bot")
    print(f"\n[pdp] {len(rows)} tracker rows of one conversation, {len(masked)} user rows masked")


def test_status_goes_only_to_the_reporter_or_the_code(e2e):
    api, rasa_url = e2e
    reporter = f"pdp-{uuid.uuid4().hex[:10]}"
    say(rasa_url, reporter, "saya mau lapor pencurian")
    say(rasa_url, reporter, "Pasar Batang, depan toko emas")
    say(rasa_url, reporter, "tadi pagi")
    done = say(rasa_url, reporter, "Dompet saya dicopet orang berjaket hitam")
    [rid] = schema.find_ids(done)
    kode = re.search(r"Kode rahasia laporan: ([A-Z0-9]{4}-[A-Z0-9]{4})", done).group(1)
    assert f"status {rid} kode {kode}" in done

    question = "laporan saya {} gimana statusnya"
    missing = "LK-2026-999999"
    # a brand-new web session, and a Matrix user relayed by the bridge (REST, sender = Matrix id)
    for stranger in (f"pdp-{uuid.uuid4().hex[:10]}", f"@pdp{uuid.uuid4().hex[:6]}:polres.localhost"):
        other = say(rasa_url, stranger, question.format(rid))
        none = say(rasa_url, stranger, question.format(missing))
        assert other.replace(rid, "ID") == none.replace(missing, "ID"), (other, none)
        assert "tidak ditemukan" in other and "Baru" not in other and "Pencurian" not in other
    # the reporter
    mine = say(rasa_url, reporter, question.format(rid))
    assert rid in mine and "Baru" in mine and "tidak ditemukan" not in mine
    # a stranger with the code
    helper = say(rasa_url, f"pdp-{uuid.uuid4().hex[:10]}", f"cek status {rid} kode {kode.lower()}")
    assert rid in helper and "Baru" in helper and "tidak ditemukan" not in helper
    # an operator's change is visible to both
    assert api.post(f"/v1/reports/{rid}/status", {"status": "diterima", "oleh": "op"})[0] == 200
    assert "Diterima" in say(rasa_url, reporter, f"status laporan {rid}")


def test_tracker_store_purges_old_conversations_automatically(tmp_path):
    """The real store class on a real SQLite file: old conversations go on the first save after
    start, then at most once per purge interval."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SessionStarted, UserUttered

    from privacy.tracker_store import MaskedSQLTrackerStore

    domain = Domain.load(str(ROOT / "rasa_project" / "domain"))
    db = tmp_path / "tracker.db"
    store = MaskedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db), retention_days=30)

    async def converse(sender: str, *texts_: str, at: float | None = None) -> None:
        trk = await store.get_or_create_tracker(sender, append_action_listen=False)
        trk.update(SessionStarted(timestamp=at))
        for text in texts_:
            trk.update(UserUttered(text, {"name": "sapaan_halo", "confidence": 1.0}, timestamp=at))
        await store.save(trk)

    async def scenario() -> None:
        old = time.time() - 31 * 86400
        store._last_purge = time.monotonic()  # pretend a purge just ran: nothing is removed now
        for i in range(5):
            await converse(f"lama-{i}", "halo", f"hp saya {HP}", at=old)
        assert len({s for s in await store.keys() if s.startswith("lama-")}) == 5
        store._last_purge = None  # as after a restart: the next save purges
        await converse("baru", "halo")
        assert set(await store.keys()) == {"baru"}
        await converse("lama-x", "halo", at=old)
        await converse("baru-2", "halo")  # within the interval: no second purge
        assert "lama-x" in set(await store.keys())
        result = store.purge()  # what `make purge` and the hourly purge do
        assert (result.conversations, result.events) == (1, 2) and "lama-x" not in await store.keys()

    asyncio.run(scenario())
    conn = sqlite3.connect(db)
    assert HP not in " ".join(d for (d,) in conn.execute("SELECT data FROM events"))


def test_action_server_log_is_masked(tmp_path):
    """The action server's last-resort log line (report API down and outbox not writable) holds
    the whole report; NIK, phone and e-mail in it are masked (privacy/logs.py via actions/)."""
    port = free_port()
    log = tmp_path / "actions.log"
    outbox_dir = tmp_path / "outbox-is-a-directory"
    outbox_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SANIC_HOST": "127.0.0.1",
           "REPORTS_API_URL": f"http://127.0.0.1:{free_port()}", "REPORTS_TOKEN": "t" * 24,
           "REPORTS_OUTBOX": str(outbox_dir)}
    proc = subprocess.Popen([str(RASA_BIN), "run", "actions", "--actions", "actions", "-p", str(port)],
                            cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc, 120)
        deskripsi = f"Motor saya dicuri. NIK {NIK}, hubungi {HP} atau {EMAIL}"
        res = run_action(f"http://127.0.0.1:{port}", "action_lapor_kirim",
                         tracker(f"pdp-{uuid.uuid4().hex[:8]}", "x", active=False, form_ts=time.time(),
                                 slots={**FULL, "deskripsi_kejadian": deskripsi}))
        assert "belum berhasil tersimpan" in texts(res)[0]
        time.sleep(0.5)
    finally:
        import signal
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    text = log.read_text()
    assert "OUTBOX WRITE FAILED" in text, text[-2000:]
    for raw in RAW:
        assert raw not in text, raw
    assert mask_text(deskripsi).split("NIK ")[1].split(",")[0] in text


def test_review_export_is_masked(tmp_path):
    """`make review` (scripts/nlu_review.py export) on a tracker db written by Rasa's plain
    SQLTrackerStore (rows from before masking existed): the export holds no NIK, phone, e-mail."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from scripts import nlu_review

    db = tmp_path / "tracker.db"
    unclear = [f"tolong cek nik {NIK} saya", f"hp saya {HP} kok diblokir", f"email {EMAIL} dipakai orang"]
    events = [ActionExecuted("action_listen")]
    for text in unclear:
        events += [UserUttered(text, {"name": "nlu_fallback", "confidence": 0.3},
                               parse_data={"intent": {"name": "nlu_fallback", "confidence": 0.3},
                                           "intent_ranking": [{"name": "sim_hilang", "confidence": 0.3}],
                                           "text": text, "entities": []}),
                   ActionExecuted("action_listen")]
    asyncio.run(SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db)).save(
        DialogueStateTracker.from_events("warga-pdp", events)))
    assert NIK in " ".join(d for (d,) in sqlite3.connect(db).execute("SELECT data FROM events"))
    for out in (tmp_path / "review.yml", tmp_path / "review.csv"):
        assert nlu_review.main(["export", "--db", str(db), "--out", str(out)]) == 0
        text = out.read_text()
        for raw in RAW:
            assert raw not in text, (out.name, raw)
        assert text.count("3325**********01") == 1 and "0812******90" in text and "b***@mail.co.id" in text


def test_action_server_works_with_the_chat_token_only(tmp_path, monkeypatch):
    """Real report API (`python -m reports`) with both tokens, real action server with only the
    chat token (as under `make run` and in containers): reports and status answers work; the
    token itself cannot read a report by id."""
    chat = "chat-" + uuid.uuid4().hex
    monkeypatch.setenv("REPORTS_CHAT_TOKEN", chat)  # read by the report API process started below
    api = ReportApi(free_port(), "staff-" + uuid.uuid4().hex, tmp_path / "outbox.jsonl",
                    tmp_path / "reports.db", "http://127.0.0.1:9", tmp_path / "api.log").start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REPORTS_TOKEN"}
    env.update({"PYTHONPATH": str(ROOT), "SANIC_HOST": "127.0.0.1", "REPORTS_API_URL": api.url,
                "REPORTS_CHAT_TOKEN": chat, "REPORTS_OUTBOX": str(api.outbox)})
    proc = subprocess.Popen([str(RASA_BIN), "run", "actions", "--actions", "actions", "-p", str(port)],
                            cwd=ROOT, env=env, stdout=open(tmp_path / "actions.log", "ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc, 120)
        actions = f"http://127.0.0.1:{port}"
        sender = f"pdp-{uuid.uuid4().hex[:8]}"
        res = run_action(actions, "action_lapor_kirim", tracker(sender, "x", slots=FULL, active=False,
                                                                form_ts=time.time()))
        rid = slot_events(res)["laporan_id"]
        assert "Kode rahasia laporan:" in texts(res)[0]
        for question in ("laporan saya", f"status {rid}"):
            res = run_action(actions, "action_lapor_status",
                             tracker(sender, question, intent="lapor_status", active=False))
            assert rid in texts(res)[0] and "Baru" in texts(res)[0]
        assert http("GET", f"{api.url}/v1/reports/{rid}", token=chat)[0] == 403
        assert http("GET", f"{api.url}/v1/reports/{rid}", token=api.token)[0] == 200
    finally:
        import signal
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
        api.stop()
