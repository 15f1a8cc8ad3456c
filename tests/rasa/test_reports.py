"""Unit tests of the report schema, store and outbox (stdlib + jsonschema; run under .venv/rasa,
and they also pass under .venv/bridge). Real SQLite files in a temp dir; no mocks."""
from __future__ import annotations

import json
import multiprocessing
import re
import sqlite3
from datetime import datetime

import pytest

from reports import kinds, outbox, schema, texts, times
from reports.schema import ReportInvalid
from reports.store import ReportNotFound, TransitionInvalid, open_store


def payload(**over):
    base = {
        "jenis": "kecelakaan_lalu_lintas",
        "lokasi": {"teks": "Jl. Jend. Sudirman depan alun-alun Batang"},
        "waktu": "barusan",
        "deskripsi": "Motor dan mobil bertabrakan, satu orang luka ringan.",
        "kanal": "web",
        "pelapor": "web-sender-1",
        "idempotency_key": "rasa:web-sender-1:1764300000.1",
    }
    base.update(over)
    return base


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "reports.db"))
    yield s
    s.close()


# ------------------------------------------------------------------------------ schema
def test_validate_new_normalises_and_keeps_fields():
    d = schema.validate_new(payload(lokasi="  Desa Kalisalak,   Batang ", jenis="tawuran",
                                    lampiran=["mxc://polres.localhost/abc",
                                              {"url": "mxc://polres.localhost/v", "mimetype": "audio/ogg"}]))
    assert d["lokasi"] == {"teks": "Desa Kalisalak, Batang"}
    assert d["jenis"] == "gangguan_kamtibmas"
    assert d["lampiran"] == [{"url": "mxc://polres.localhost/abc"},
                             {"url": "mxc://polres.localhost/v", "mimetype": "audio/ogg", "tipe": "suara"}]
    # "barusan" resolves to now in WIB
    assert d["waktu"] == "barusan"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$", d["waktu_iso"])


@pytest.mark.parametrize("waktu,expected", [
    ("2026-11-28T10:15:00+07:00", "2026-11-28T10:15:00+07:00"),
    ("2026-11-28T03:15:00Z", "2026-11-28T10:15:00+07:00"),
    ("2026-11-28 10:15", "2026-11-28T10:15:00+07:00"),
    ("kemarin malam sekitar jam 9", None),
    ("tadi malam", None),
    ("tadi pagi sekitar jam 7", None),
])
def test_waktu_iso(waktu, expected):
    assert schema.validate_new(payload(waktu=waktu))["waktu_iso"] == expected


@pytest.mark.parametrize("waktu,now", [
    ("barusan", True), ("Barusan aja pak", True), ("sekarang!", True), ("baru saja terjadi", True),
    ("masih berlangsung", True), ("tadi", True), ("sedang terjadi sekarang", True), ("terjadi", False),
    ("tadi sore", False), ("barusan jam 2 siang", False), ("2 jam yang lalu", False),
])
def test_right_now_words(waktu, now):
    assert (times.parse_waktu(waktu) is not None) is now


@pytest.mark.parametrize("change,field,words", [
    ({"jenis": "tidak jelas"}, "jenis", "Jenis kejadian tidak dikenal"),
    ({"lokasi": {"teks": "x"}}, "lokasi.teks", "lokasi"),
    ({"lokasi": {"teks": "Jl. Pantura", "lat": -6.9}}, "lokasi.lon", "lintang dan bujur"),
    ({"lokasi": {"teks": "Jl. Pantura", "lat": 123.0, "lon": 109.7}}, "lokasi.lat", "rentang"),
    ({"deskripsi": "ok"}, "deskripsi", "lebih lengkap"),
    ({"kanal": "sms"}, "kanal", "'matrix' atau 'web'"),
    ({"lampiran": ["ftp://x/y"]}, "lampiran.url", "lampiran"),
    ({"rahasia": 1}, "rahasia", "tidak dikenal"),
])
def test_validate_new_names_the_field_in_indonesian(change, field, words):
    with pytest.raises(ReportInvalid) as ei:
        schema.validate_new(payload(**change))
    assert ei.value.field == field
    assert words.lower() in ei.value.pesan.lower()


@pytest.mark.parametrize("missing", ["jenis", "lokasi", "waktu", "deskripsi", "kanal", "pelapor",
                                     "idempotency_key"])
def test_required_fields(missing):
    p = payload()
    del p[missing]
    with pytest.raises(ReportInvalid) as ei:
        schema.validate_new(p)
    assert ei.value.field == missing
    assert "wajib" in ei.value.pesan


def test_not_an_object():
    with pytest.raises(ReportInvalid) as ei:
        schema.validate_new(["bukan", "objek"])
    assert ei.value.field == "laporan"


@pytest.mark.parametrize("text,expected", [
    ("kecelakaan", "kecelakaan_lalu_lintas"), ("ada tabrakan di pantura", "kecelakaan_lalu_lintas"),
    ("tawuran", "gangguan_kamtibmas"), ("keributan", "gangguan_kamtibmas"),
    ("pencurian", "gangguan_kamtibmas"), ("motor saya dicuri", "gangguan_kamtibmas"),
    ("banjir", "bencana_alam"), ("tanah longsor", "bencana_alam"), ("Bencana alam", "bencana_alam"),
    ("lainnya", "lainnya"), ("bencana_alam", "bencana_alam"), ("apa ya", None), ("", None),
])
def test_normalize_jenis(text, expected):
    assert kinds.normalize_jenis(text) == expected


def test_geo_uri():
    assert schema.parse_geo_uri("geo:-6.9075,109.7301;u=35") == (-6.9075, 109.7301)
    assert schema.parse_geo_uri("geo:-6.9,109.7,12") == (-6.9, 109.7)
    with pytest.raises(ReportInvalid):
        schema.parse_geo_uri("geo:abc")
    with pytest.raises(ReportInvalid):
        schema.parse_geo_uri("geo:95,10")


def test_find_ids():
    assert schema.find_ids("laporan lk-2026-000123 dan LK-2025-000001, lagi LK-2026-000123") == \
        ["LK-2026-000123", "LK-2025-000001"]
    assert schema.find_ids("LK-26-1") == []


def test_transitions_table():
    assert schema.can_transition("baru", "diterima")
    assert schema.can_transition("baru", "ditangani")
    assert not schema.can_transition("baru", "selesai")
    assert schema.can_transition("diterima", "selesai")
    assert not schema.can_transition("selesai", "ditolak")
    assert "alasan" in schema.transition_error("baru", "ditolak", None)
    assert schema.transition_error("baru", "ditolak", "bukan wilayah hukum Polres Batang") is None


# ------------------------------------------------------------------------------ store
def test_ids_sequential_per_year_and_format(store):
    ids = [store.create(payload(idempotency_key=f"k{i}"))[0]["id"] for i in range(3)]
    year = datetime.now(times.WIB).year
    assert ids == [f"LK-{year}-000001", f"LK-{year}-000002", f"LK-{year}-000003"]
    assert all(schema.ID_RE.fullmatch(i) for i in ids)
    # a new year starts again at 1, the current year continues
    with sqlite3.connect(store.path) as c:
        c.execute("INSERT INTO report_seq (tahun, terakhir) VALUES (?, 41)", (year + 1,))
    assert store.create(payload(idempotency_key="k3"))[0]["id"] == f"LK-{year}-000004"


def test_create_is_idempotent(store):
    r1, c1 = store.create(payload())
    r2, c2 = store.create(payload(deskripsi="isi lain dengan kunci yang sama"))
    assert (c1, c2) == (True, False)
    assert r1["id"] == r2["id"]
    assert r2["deskripsi"] == payload()["deskripsi"]
    assert len(store.list()) == 1
    # only one operator card was queued
    assert len(store.pending_notifications(target="operator")) == 1


def test_report_fields_roundtrip(store):
    r, _ = store.create(payload(kanal="matrix", pelapor="@warga:polres.localhost",
                                ruang="!r:polres.localhost", pelapor_nama="Budi",
                                lokasi={"teks": "Pasar Batang", "lat": -6.9, "lon": 109.73},
                                lampiran=[{"url": "mxc://polres.localhost/f", "tipe": "foto"}]))
    got = store.get(r["id"].lower())
    assert got == r
    assert got["lokasi"] == {"teks": "Pasar Batang", "lat": -6.9, "lon": 109.73}
    assert got["status"] == "baru" and got["status_label"] == "Baru"
    assert got["jenis_label"] == "Kecelakaan lalu lintas"
    assert got["lampiran"] == [{"url": "mxc://polres.localhost/f", "tipe": "foto"}]
    assert store.history(r["id"])[0]["status"] == "baru"
    assert store.get("LK-1999-000001") is None


def test_status_transitions_history_and_notifications(store):
    r, _ = store.create(payload())
    op = store.pending_notifications(target="operator")
    assert len(op) == 1 and r["id"] in op[0]["pesan"] and "Kecelakaan lalu lintas" in op[0]["pesan"]
    assert store.pending_notifications() == []  # nothing for the reporter yet

    with pytest.raises(TransitionInvalid):
        store.update_status(r["id"], "selesai", "@op:polres.localhost")
    with pytest.raises(TransitionInvalid) as ei:
        store.update_status(r["id"], "ditolak", "@op:polres.localhost")
    assert ei.value.field == "alasan"
    with pytest.raises(ReportNotFound):
        store.update_status("LK-2000-000009", "diterima", "@op:polres.localhost")

    r = store.update_status(r["id"], "diterima", "@op:polres.localhost")
    assert store.update_status(r["id"], "diterima", "@op:polres.localhost")["status"] == "diterima"  # no-op
    r = store.update_status(r["id"], "ditangani", "@bripka:polres.localhost")
    assert r["ditangani_oleh"] == "@bripka:polres.localhost"
    r = store.update_status(r["id"], "selesai", "@op:polres.localhost")
    with pytest.raises(TransitionInvalid):
        store.update_status(r["id"], "ditolak", "@op:polres.localhost", "terlambat")

    assert [h["status"] for h in store.history(r["id"])] == ["baru", "diterima", "ditangani", "selesai"]
    assert [h["oleh"] for h in store.history(r["id"])][1:] == [
        "@op:polres.localhost", "@bripka:polres.localhost", "@op:polres.localhost"]
    pend = store.pending_notifications(target="pelapor", kanal="web")
    assert [n["status"] for n in pend] == ["diterima", "ditangani", "selesai"]
    for n in pend:
        assert n["pelapor"] == "web-sender-1"
        assert n["pesan"].endswith("Darurat? Telepon 110 atau 112.")
    assert store.mark_notified(pend[0]["notif_id"]) is True
    assert store.mark_notified(pend[0]["notif_id"]) is False
    store.mark_failed(pend[1]["notif_id"], "rasa down")
    left = store.pending_notifications()
    assert [n["notif_id"] for n in left] == [pend[1]["notif_id"], pend[2]["notif_id"]]
    assert left[0]["attempts"] == 1


def test_rejection_needs_and_keeps_reason(store):
    r, _ = store.create(payload())
    r = store.update_status(r["id"], "ditolak", "@op:polres.localhost", "Kejadian di luar wilayah Batang")
    assert r["alasan"] == "Kejadian di luar wilayah Batang"
    msg = store.pending_notifications()[0]["pesan"]
    assert "Kejadian di luar wilayah Batang" in msg and "110 atau 112" in msg


def test_list_filters_and_reports_for(store):
    store.create(payload(idempotency_key="a", pelapor="p1"))
    store.create(payload(idempotency_key="b", pelapor="p2", jenis="bencana_alam", kanal="matrix"))
    c, _ = store.create(payload(idempotency_key="c", pelapor="p1"))
    store.update_status(c["id"], "diterima", "op")
    assert [r["idempotency_key"] for r in store.reports_for("p1")] == ["c", "a"]
    assert [r["idempotency_key"] for r in store.list(status="diterima")] == ["c"]
    assert [r["idempotency_key"] for r in store.list(jenis="bencana_alam")] == ["b"]
    assert [r["idempotency_key"] for r in store.list(kanal="matrix")] == ["b"]
    assert len(store.list(limit=2)) == 2


def test_operator_event_mapping(store):
    r, _ = store.create(payload())
    store.set_operator_event(r["id"], "$ev1:polres.localhost")
    assert store.find_by_operator_event("$ev1:polres.localhost")["id"] == r["id"]
    assert store.find_by_operator_event("$nope") is None
    with pytest.raises(ReportNotFound):
        store.set_operator_event("LK-2000-000001", "$x")


def test_durable_across_reopen(tmp_path):
    db = tmp_path / "r.db"
    s = open_store(f"sqlite:///{db}")  # absolute path: sqlite:////tmp/...
    r, _ = s.create(payload())
    s.update_status(r["id"], "diterima", "op")
    s.close()
    s2 = open_store(str(db))
    got = s2.get(r["id"])
    assert got["status"] == "diterima"
    assert len(s2.pending_notifications()) == 1
    assert len(s2.pending_notifications(target="operator")) == 1
    r2, created = s2.create(payload())  # same key after reopen: same report
    assert (r2["id"], created) == (r["id"], False)
    assert s2.create(payload(idempotency_key="new"))[0]["id"].endswith("000002")
    assert s2._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s2.close()


def test_failed_transaction_leaves_nothing_behind(store):
    store.create(payload())
    before = store._conn.execute("SELECT terakhir FROM report_seq").fetchone()[0]
    with pytest.raises(ReportInvalid):
        store.create(payload(idempotency_key="x", deskripsi=""))
    # a write failing inside the transaction rolls back the id counter as well
    store._conn.execute("CREATE TRIGGER boom BEFORE INSERT ON report_history "
                        "BEGIN SELECT RAISE(ABORT, 'disk full simulation'); END")
    with pytest.raises(sqlite3.DatabaseError):
        store.create(payload(idempotency_key="y"))
    store._conn.execute("DROP TRIGGER boom")
    assert store._conn.execute("SELECT terakhir FROM report_seq").fetchone()[0] == before
    assert store.list(limit=10)[0]["idempotency_key"] == payload()["idempotency_key"]
    assert len(store.list()) == 1
    assert store.create(payload(idempotency_key="y"))[0]["id"].endswith("000002")


def _create_many(db, prefix, n, q):
    s = open_store(db)
    ids = [s.create(payload(idempotency_key=f"{prefix}-{i}"))[0]["id"] for i in range(n)]
    s.create(payload(idempotency_key="shared"))  # every process races for the same key
    s.close()
    q.put(ids)


def test_two_processes_share_one_database(tmp_path):
    db = str(tmp_path / "shared.db")
    open_store(db).close()
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_create_many, args=(db, p, 25, q)) for p in ("a", "b", "c")]
    for p in procs:
        p.start()
    ids = [i for _ in procs for i in q.get(timeout=120)]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(ids) == len(set(ids)) == 75
    s = open_store(db)
    all_reports = s.list(limit=500)
    assert len(all_reports) == 76  # 75 + one "shared"
    nums = sorted(int(r["id"][-6:]) for r in all_reports)
    assert nums == list(range(1, 77))
    s.close()


# ------------------------------------------------------------------------------ outbox
def test_outbox_ingest_creates_once_and_rejects_bad_lines(tmp_path, store):
    path = tmp_path / "outbox.jsonl"
    outbox.append(path, payload(idempotency_key="ob-1", pelapor="w1"))
    outbox.append(path, payload(idempotency_key="ob-2", pelapor="w2", jenis="bencana_alam"))
    outbox.append(path, payload(idempotency_key="ob-bad", deskripsi=""))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    assert outbox.ingest(store, path) == 2
    assert path.read_text() == ""
    rejected = [json.loads(line) for line in (tmp_path / "outbox.jsonl.rejected").read_text().splitlines()]
    assert [r.get("field") for r in rejected] == ["deskripsi", None]
    reports = store.list()
    assert {r["idempotency_key"] for r in reports} == {"ob-1", "ob-2"}
    # the web reporter hears the number once the queued report is recorded
    msgs = store.pending_notifications(target="pelapor")
    assert {m["pelapor"] for m in msgs} == {"w1", "w2"}
    assert all("sudah tercatat dengan nomor LK-" in m["pesan"] for m in msgs)
    # ingesting the same line again (crash before truncation) creates nothing new
    outbox.append(path, payload(idempotency_key="ob-1", pelapor="w1"))
    assert outbox.ingest(store, path) == 0
    assert len(store.list()) == 2
    assert outbox.ingest(store, tmp_path / "missing.jsonl") == 0


# ------------------------------------------------------------------------------ display
def test_card_and_status_messages(store):
    r, _ = store.create(payload(kanal="matrix", pelapor="@warga:polres.localhost", pelapor_nama="Siti",
                                lokasi={"teks": "Jembatan Kali Sambong", "lat": -6.91, "lon": 109.72},
                                lampiran=["mxc://polres.localhost/a", {"url": "mxc://polres.localhost/b",
                                                                       "tipe": "suara"}]))
    card = texts.format_card(r)
    for part in (r["id"], "Kecelakaan lalu lintas", "Jembatan Kali Sambong", "-6.91000, 109.72000",
                 "barusan", payload()["deskripsi"], "Siti (@warga:polres.localhost)", "Matrix",
                 "Status: Baru", "1 berkas, 1 suara"):
        assert part in card, part
    for status in ("diterima", "ditangani", "selesai"):
        r = store.update_status(r["id"], status, "op")
        msg = texts.format_status_message(r)
        assert r["id"] in msg and msg.endswith("Darurat? Telepon 110 atau 112.")
    assert "sedang ditangani" in texts.format_status_message({**r, "status": "ditangani"})
    assert "selesai" in texts.format_status_message(r)


# ------------------------------------------------------------------------------ PostgreSQL
@pytest.fixture(scope="module")
def pg_url():
    """A real PostgreSQL server started for this module (devtools/postgres.py: initdb in a temp dir,
    free loopback port), or REPORTS_TEST_PG_URL to use an existing one. Missing PostgreSQL FAILS:
    scripts/system_deps.sh installs Debian's postgresql."""
    import os

    from devtools.postgres import TempPostgres
    if os.environ.get("REPORTS_TEST_PG_URL"):
        yield os.environ["REPORTS_TEST_PG_URL"]
        return
    try:
        pg = TempPostgres().start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield pg.url
    finally:
        pg.stop()


def test_postgres_store(pg_url):
    import uuid

    import psycopg2  # noqa: F401  (requirements/rasa.txt pins psycopg2-binary: missing must fail)
    s = open_store(pg_url)
    try:
        key = f"pg-{uuid.uuid4().hex}"
        r, created = s.create(payload(idempotency_key=key, pelapor=key))
        assert created and schema.ID_RE.fullmatch(r["id"])
        assert s.create(payload(idempotency_key=key)) == (r, False)
        with pytest.raises(TransitionInvalid):
            s.update_status(r["id"], "ditolak", "op")
        s.update_status(r["id"], "diterima", "op")
        assert [h["status"] for h in s.history(r["id"])] == ["baru", "diterima"]
        [n] = [n for n in s.pending_notifications() if n["laporan_id"] == r["id"]]
        assert s.mark_notified(n["notif_id"]) and not s.mark_notified(n["notif_id"])
        assert [x["id"] for x in s.reports_for(key)] == [r["id"]]
    finally:
        s.close()
