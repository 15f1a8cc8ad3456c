"""Tests for the knowledge/ package (loader, schema validation, query API, formatting, CLI).

Pure Python: no Rasa server needed. Runs under .venv/rasa (py3.10) and .venv/bridge (py3.11):
    .venv/rasa/bin/python -m pytest tests/rasa/test_knowledge.py
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, load_kb
from knowledge import format as kf
from knowledge.loader import DEFAULT_CONFIG_PATH, DEFAULT_DATA_DIR

REPO = Path(__file__).resolve().parents[2]

from knowledge.__main__ import reachability_problems, required_ids  # noqa: E402

# The entries the intent table (actions/intents.yml) names; every one must exist.
REQUIRED_IDS = required_ids()
# Stated independently of the table: the table must keep naming these.
KEY_IDS = {"sim.syarat_baru", "sim.biaya", "skck.syarat", "layanan.darurat", "pasal.kuhp_baru",
           "pasal.kategori_denda", "umum.rawan_longsor", "skck.penghapusan"}

ALL_CLASSES = ["A", "A Umum", "BI", "BI Umum", "BII", "BII Umum", "C", "CI", "CII", "D", "DI"]


@pytest.fixture(scope="module")
def kb():
    return load_kb(DEFAULT_DATA_DIR, DEFAULT_CONFIG_PATH)


@pytest.fixture()
def tmp_kb_files(tmp_path):
    """A private copy of the real data dir + config that a test may break."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    cfg = tmp_path / "polres.yml"
    shutil.copy(DEFAULT_CONFIG_PATH, cfg)
    return data, cfg


def mutate(path: Path, fn):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def find_item(doc, list_name, key, value):
    for item in doc[list_name]:
        if item.get(key) == value:
            return item
    raise AssertionError(f"{value} not in {list_name}")


# ---------------------------------------------------------------- loader happy path
def test_load_real_data_and_cache(kb):
    counts = kb.counts()
    for topik in ("sim", "skck", "layanan", "pasal", "umum"):
        assert counts.get(topik, 0) >= 3, counts
    # cached per paths: same object while files are unchanged
    assert load_kb(DEFAULT_DATA_DIR, DEFAULT_CONFIG_PATH) is kb
    assert load_kb() is kb or os.environ.get("POLRES_CONFIG")


def test_table_names_the_key_entries():
    assert KEY_IDS <= set(REQUIRED_IDS), KEY_IDS - set(REQUIRED_IDS)


def test_every_entry_and_fact_is_reachable(kb):
    assert reachability_problems(kb) == []


def test_unreachable_entry_is_reported(kb, tmp_path):
    table = (REPO / "actions" / "intents.yml").read_text(encoding="utf-8")
    cut = tmp_path / "intents.yml"
    cut.write_text(table.replace("entry: umum.bencana_info", "entry: layanan.darurat"), encoding="utf-8")
    problems = reachability_problems(kb, cut)
    assert any("umum.bencana_info" in p and "not reachable" in p for p in problems), problems


@pytest.mark.parametrize("entry_id", REQUIRED_IDS)
def test_required_entries_exist_with_text(kb, entry_id):
    e = kb.entry(entry_id)
    assert e is not None, entry_id
    assert isinstance(e["teks"], str) and len(e["teks"]) > 20
    assert e["topik"] == entry_id.split(".")[0]
    assert entry_id in {x["id"] for x in kb.entries(e["topik"])}


def test_every_entry_has_source_date_and_confidence(kb):
    entries = kb.all_entries()
    assert len(entries) >= 80
    for e in entries:
        assert e["dasar_hukum"] or e["sumber"], e["id"]
        dt.date.fromisoformat(e["berlaku_sejak"])  # raises if not a real date
        assert e["kepastian"] in ("pasti", "belum_pasti", "berubah"), e["id"]
        for src in e["dasar_hukum"] + e["sumber"]:
            assert src.count("(") == src.count(")"), (e["id"], src)
    for n in kb.emergency_numbers():
        assert (n["dasar_hukum"] or n["sumber"]) and n["berlaku_sejak"] and n["kepastian"]


def test_entry_returns_copy_and_unknown_is_none(kb):
    e = kb.entry("sim.biaya")
    e["teks"] = "changed"
    assert kb.entry("sim.biaya")["teks"] != "changed"
    assert kb.entry("sim.tidak_ada") is None
    assert kb.entry(None) is None
    assert kb.entries("tidak_ada") == []


def test_not_pasti_entries_are_the_disputed_ones(kb):
    flags = {e["id"]: e["kepastian"] for e in kb.all_entries()}
    # facts the fact sheet marks [U] / [!] must not be presented as certain
    assert flags["skck.kantor"] == "belum_pasti"
    assert flags["sim.bpjs"] == "berubah"
    assert flags["skck.pengantar_kelurahan"] == "berubah"
    assert flags["pasal.fitnah"] == "berubah"
    assert flags["pasal.pengancaman"] == "belum_pasti"
    assert flags["layanan.operasi"] == "berubah"
    assert flags["layanan.kontak_polres"] == "belum_pasti"
    for rec in kb.pasal_records():
        uus = {k["uu"] for k in rec["kode"]}
        if uus & {"UU LLAJ", "UU KDRT", "UU ITE"}:
            assert rec["kepastian"] != "pasti", rec["id"]  # UU 1/2026 conversion not verified
        if "UU Tipikor" in uus:
            assert rec["kepastian"] == "belum_pasti", rec["id"]  # not in the fact sheet
    assert flags["pasal.pencurian"] == "pasti"


# ---------------------------------------------------------------- schema errors
def _expect_error(data, cfg, file_name, entry, field_part):
    with pytest.raises(KnowledgeError) as ei:
        load_kb(data, cfg)
    err = ei.value
    assert err.file is not None and Path(err.file).name == file_name, str(err)
    assert err.entry == entry, str(err)
    assert err.field and field_part in err.field, str(err)
    s = str(err)
    assert file_name in s and (entry is None or str(entry) in s) and field_part in s
    assert "\n" not in s
    return err


def test_missing_source_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files

    def drop(doc):
        e = find_item(doc, "entries", "id", "sim.poin")
        e.pop("dasar_hukum")
        e.pop("sumber")

    mutate(data / "sim.yml", drop)
    err = _expect_error(data, cfg, "sim.yml", "sim.poin", "sumber")
    assert "dasar_hukum" in err.field


def test_empty_source_list_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files

    def empty(doc):
        e = find_item(doc, "pasal", "id", "pasal.pencurian")
        e.pop("dasar_hukum")
        e["sumber"] = []

    mutate(data / "pasal.yml", empty)
    _expect_error(data, cfg, "pasal.yml", "pasal.pencurian", "sumber")


@pytest.mark.parametrize("bad", ["2021-13-45", "19-02-2021", "kemarin", "2021-02-30"])
def test_bad_date_is_rejected(tmp_kb_files, bad):
    data, cfg = tmp_kb_files
    mutate(data / "skck.yml",
           lambda d: find_item(d, "entries", "id", "skck.biaya").__setitem__("berlaku_sejak", bad))
    _expect_error(data, cfg, "skck.yml", "skck.biaya", "berlaku_sejak")


def test_unquoted_yaml_date_is_accepted(tmp_kb_files):
    data, cfg = tmp_kb_files
    p = data / "skck.yml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace('berlaku_sejak: "2025-10-13"', "berlaku_sejak: 2025-10-13"), encoding="utf-8")
    kb2 = load_kb(data, cfg)
    assert kb2.entry("skck.online")["berlaku_sejak"] == "2025-10-13"


def test_wrong_type_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(data / "sim.yml",
           lambda d: find_item(d, "golongan", "kelas", "C").__setitem__("usia_min", "tujuh belas"))
    _expect_error(data, cfg, "sim.yml", "C", "usia_min")


def test_wrong_fee_type_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(data / "sim.yml",
           lambda d: find_item(d, "golongan", "kelas", "A")["biaya"].__setitem__("baru", "120rb"))
    _expect_error(data, cfg, "sim.yml", "A", "biaya.baru")


def test_bad_kepastian_and_missing_field(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(data / "layanan.yml",
           lambda d: find_item(d, "entries", "id", "layanan.etle").__setitem__("kepastian", "yakin"))
    _expect_error(data, cfg, "layanan.yml", "layanan.etle", "kepastian")


def test_missing_teks_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(data / "layanan.yml", lambda d: find_item(d, "entries", "id", "layanan.stnk").pop("teks"))
    _expect_error(data, cfg, "layanan.yml", "layanan.stnk", "teks")


def test_bad_pasal_code_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(data / "pasal.yml",
           lambda d: find_item(d, "pasal", "id", "pasal.penipuan")["kode"][0].__setitem__("uu", "KUHP"))
    _expect_error(data, cfg, "pasal.yml", "pasal.penipuan", "kode[0].uu")


def test_duplicate_id_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(data / "skck.yml",
           lambda d: find_item(d, "entries", "id", "skck.biaya").__setitem__("id", "skck.syarat"))
    with pytest.raises(KnowledgeError) as ei:
        load_kb(data, cfg)
    assert ei.value.entry == "skck.syarat" and ei.value.field == "id"


def test_error_names_the_line(tmp_kb_files):
    data, cfg = tmp_kb_files
    p = data / "skck.yml"
    lines = p.read_text(encoding="utf-8").splitlines()
    target = next(i for i, ln in enumerate(lines) if 'berlaku_sejak: "2025-10-13"' in ln)
    lines[target] = lines[target].replace("2025-10-13", "2025-10-32")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _expect_error(data, cfg, "skck.yml", "skck.online", "berlaku_sejak")
    assert err.line == target + 1 and f"skck.yml:{target + 1}" in str(err)
    lines[target] = lines[target].replace("2025-10-32", "13-10-2025")  # schema (pattern) error
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _expect_error(data, cfg, "skck.yml", "skck.online", "berlaku_sejak")
    assert err.line == target + 1


def test_unbalanced_flow_list_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files
    p = data / "sim.yml"
    text = p.read_text(encoding="utf-8")
    text = text.replace("sumber: [okezone, kontan, betv]", "sumber: [okezone (2020, 2021), betv]")
    p.write_text(text, encoding="utf-8")
    _expect_error(data, cfg, "sim.yml", "sim.poin", "sumber")


def test_invalid_yaml_and_missing_files(tmp_kb_files, tmp_path):
    data, cfg = tmp_kb_files
    (data / "umum.yml").write_text("topik: umum\nentries: [\n  - id: x: y\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as ei:
        load_kb(data, cfg)
    assert ei.value.file.endswith("umum.yml") and "YAML" in str(ei.value)
    with pytest.raises(KnowledgeError) as ei:
        load_kb(tmp_path / "nope", cfg)
    assert "nope" in str(ei.value)
    shutil.copy(DEFAULT_DATA_DIR / "umum.yml", data / "umum.yml")
    with pytest.raises(KnowledgeError) as ei:
        load_kb(data, tmp_path / "missing.yml")
    assert "missing.yml" in str(ei.value)


def test_bad_config_is_rejected(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(cfg, lambda d: d.__setitem__(
        "operasi_aktif", [{"nama": "Operasi Uji", "mulai": "2026-12-20", "selesai": "2026-02-31"}]))
    _expect_error(data, cfg, "polres.yml", "Operasi Uji", "selesai")
    mutate(cfg, lambda d: d.__setitem__("telepon", "110"))  # unknown top-level key
    with pytest.raises(KnowledgeError) as ei:
        load_kb(data, cfg)
    assert ei.value.file.endswith("polres.yml") and "telepon" in ei.value.field


def test_reload_on_change_keeps_last_good_version(tmp_kb_files):
    data, cfg = tmp_kb_files
    kb1 = load_kb(data, cfg)
    assert kb1.local("kontak.telepon") is None
    mutate(cfg, lambda d: d["kontak"].__setitem__("telepon", "(0285) 000000"))
    _bump_mtime(cfg)
    kb2 = load_kb(data, cfg)
    assert kb2 is not kb1 and kb2.local("kontak.telepon") == "(0285) 000000"
    cfg.write_text("nama: [rusak\n", encoding="utf-8")
    _bump_mtime(cfg)
    kb3 = load_kb(data, cfg)  # broken edit: keep serving the last valid version
    assert kb3 is kb2


def _bump_mtime(path: Path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


# ---------------------------------------------------------------- SIM queries
def test_sim_classes(kb):
    classes = kb.sim_classes()
    assert [c["kelas"] for c in classes] == ALL_CLASSES
    ages = {c["kelas"]: c["usia_min"] for c in classes}
    assert ages == {"A": 17, "A Umum": 20, "BI": 20, "BI Umum": 22, "BII": 21, "BII Umum": 23,
                    "C": 17, "CI": 18, "CII": 19, "D": 17, "DI": 17}
    up = {c["kelas"]: c["syarat_peningkatan"] for c in classes}
    assert up["CI"] == ["C"] and up["CII"] == ["CI"] and set(up["BI"]) == {"A", "A Umum"}
    assert set(up["BII Umum"]) == {"BI Umum", "BII"}
    assert all(c["kendaraan"] for c in classes)
    assert "Internasional" in [c["kelas"] for c in kb.sim_classes(include_internasional=True)]


@pytest.mark.parametrize("kelas,layanan,jumlah", [
    ("C", "baru", 100000), ("C", "perpanjang", 75000), ("A", "perpanjang", 80000),
    ("A", "baru", 120000), ("BII Umum", "baru", 120000), ("CII", "perpanjang", 75000),
    ("D", "baru", 50000), ("DI", "perpanjang", 30000),
    ("Internasional", "baru", 250000), ("Internasional", "perpanjang", 225000),
    ("sim motor", "perpanjangan", 75000),
])
def test_sim_fee(kb, kelas, layanan, jumlah):
    fee = kb.sim_fee(kelas, layanan)
    assert fee["jumlah"] == jumlah and isinstance(fee["jumlah"], int)
    assert fee["layanan"] in ("baru", "perpanjang")
    assert any("PP 76/2020" in d for d in fee["dasar_hukum"])
    assert fee["kepastian"] == "pasti" and dt.date.fromisoformat(fee["berlaku_sejak"])


def test_sim_fee_unknown(kb):
    assert kb.sim_fee("Z", "baru") is None
    assert kb.sim_fee("C", "gratis") is None
    assert kb.sim_fee("", "baru") is None


@pytest.mark.parametrize("text,expected", [
    ("sim motor", "C"), ("sim mobil", "A"), ("b1 umum", "BI Umum"), ("c1", "CI"), ("a umum", "A Umum"),
    ("SIM A", "A"), ("A Umum", "A Umum"), ("BI Umum", "BI Umum"), ("b 1 umum", "BI Umum"),
    ("sim b2", "BII"), ("B2 Umum", "BII Umum"), ("C2", "CII"), ("moge", "CII"), ("yang motor", "C"),
    ("c", "C"), ("d", "D"), ("sim d1", "DI"), ("sim truk", "BI"), ("sim internasional", "Internasional"),
    ("saya mau bikin sim motor", "C"), ("sim-c", "C"), ("SIM DI", "DI"),
    ("berapa biaya perpanjang sim a umum", "A Umum"), ("biaya sim c perpanjang berapa ya", "C"),
    ("sim bi umum berapa", "BI Umum"),
])
def test_resolve_sim_class(kb, text, expected):
    assert kb.resolve_sim_class(text) == expected


@pytest.mark.parametrize("text", ["", None, "sim", "xyz", "sim pesawat", "e",
                                  "bikin sim di batang dimana", "berapa biaya bikin sim?"])
def test_resolve_sim_class_unknown(kb, text):
    assert kb.resolve_sim_class(text) is None


# ---------------------------------------------------------------- pasal queries
def _ids(records):
    return [r["id"] for r in records]


def test_find_pasal_old_kuhp_maps_to_new(kb):
    res = kb.find_pasal("362")
    assert _ids(res) == ["pasal.pencurian"]
    baru = [k for k in res[0]["kode"] if k["uu"] == "KUHP baru"]
    assert baru[0]["nomor"] == "476" and baru[0]["kategori_denda"] == "V"


@pytest.mark.parametrize("nomor,uu,expected", [
    ("476", "KUHP baru", "pasal.pencurian"), ("pasal 378", None, "pasal.penipuan"),
    ("492", "kuhp baru", "pasal.penipuan"), ("281", None, "pasal.llaj_tanpa_sim"),
    ("281", "UU LLAJ", "pasal.llaj_tanpa_sim"), ("44", "UU KDRT", "pasal.kdrt_fisik"),
    ("310 ayat 4", "UU LLAJ", "pasal.llaj_kecelakaan_lalai"),
    ("127", "UU Narkotika", "pasal.narkotika_pengguna"),
    ("27A", "UU ITE", "pasal.ite_pencemaran"), ("27a", None, "pasal.ite_pencemaran"),
    ("12B", "UU Tipikor", "pasal.tipikor_gratifikasi"), ("262", None, "pasal.pengeroyokan"),
    ("340", "KUHP lama", "pasal.pembunuhan_berencana"),
])
def test_find_pasal_numbers(kb, nomor, uu, expected):
    assert expected in _ids(kb.find_pasal(nomor, uu))


def test_find_pasal_sub_articles(kb):
    for q in ("310 ayat 2", "310(2)", "310 (2)", "pasal 310 ayat (2)"):
        ids = _ids(kb.find_pasal(q))
        assert set(ids) == {"pasal.pencemaran_tertulis", "pasal.llaj_kecelakaan_lalai"}, q
    assert _ids(kb.find_pasal("310(2)", "KUHP lama")) == ["pasal.pencemaran_tertulis"]
    assert len(kb.find_pasal("310")) == 3
    # ayat that does not exist falls back to the whole-article records
    assert _ids(kb.find_pasal("44 ayat 9", "UU KDRT")) == []
    assert _ids(kb.find_pasal("311 ayat 3", "UU LLAJ")) == ["pasal.llaj_membahayakan"]


def test_find_pasal_unknown(kb):
    assert kb.find_pasal("9999") == []
    assert kb.find_pasal("362", "UU ITE") == []
    assert kb.find_pasal("362", "UU Antah Berantah") == []
    assert kb.find_pasal("") == []
    assert kb.find_pasal("abc") == []


def test_required_statutes_are_covered(kb):
    wanted = {
        "UU LLAJ": ["281", "283", "287(1)", "287(2)", "287(5)", "288(1)", "288(2)", "289", "291(1)",
                    "310(1)", "310(2)", "310(3)", "310(4)", "311", "312"],
        "UU KDRT": ["44", "45", "46"],
        "UU Narkotika": ["111", "112", "114", "127"],
        "UU ITE": ["27A", "27B", "28", "29"],
        "UU Tipikor": ["2", "3", "5", "12B"],
    }
    for uu, numbers in wanted.items():
        for n in numbers:
            assert kb.find_pasal(n, uu), (uu, n)
    records = kb.pasal_records()
    assert len(records) >= 30
    mapped = [r for r in records if {k["uu"] for k in r["kode"]} >= {"KUHP baru", "KUHP lama"}]
    assert len(mapped) >= 25
    for r in records:
        assert r["kata_kunci"] and isinstance(r["delik_aduan"], bool)
        for k in r["kode"]:
            assert k["ancaman"] and k["nomor"]


def test_delik_aduan_flags(kb):
    aduan = {r["id"] for r in kb.pasal_records() if r["delik_aduan"]}
    for pid in ("pasal.pencemaran_lisan", "pasal.pencemaran_tertulis", "pasal.fitnah",
                "pasal.penghinaan_ringan", "pasal.perzinaan", "pasal.kohabitasi",
                "pasal.kdrt_fisik_ringan", "pasal.kdrt_psikis_ringan", "pasal.ite_pencemaran"):
        assert pid in aduan, pid
    assert "pasal.pencurian" not in aduan


@pytest.mark.parametrize("text,expected", [
    ("hukuman nyolong motor", "pasal.pencurian"), ("nyolong motor", "pasal.pencurian"),
    ("curanmor", "pasal.pencurian"), ("maling", "pasal.pencurian"),
    ("pasal untuk pejabat yang korupsi", "pasal.tipikor_kerugian_negara"),
    ("mukulin tetangga", "pasal.penganiayaan"), ("begal", "pasal.pencurian_kekerasan"),
    ("kumpul kebo", "pasal.kohabitasi"), ("tabrak lari", "pasal.llaj_tabrak_lari"),
    ("gak pake helm", "pasal.llaj_helm"), ("suami mukul istri", "pasal.kdrt_fisik"),
    ("nyabu", "pasal.narkotika_pengguna"), ("fitnah di facebook", "pasal.ite_pencemaran"),
])
def test_search_pasal_top_hit(kb, text, expected):
    res = kb.search_pasal(text)
    assert res, text
    assert res[0][0]["id"] == expected, res


def test_search_pasal_penipuan_online(kb):
    res = kb.search_pasal("pasal penipuan online")
    ids = [r["id"] for r, _ in res]
    assert ids[0] == "pasal.penipuan"  # KUHP (in force) first on a tie
    assert "pasal.ite_hoaks_konsumen" in ids
    assert all(0 <= s <= 100 for _, s in res)


@pytest.mark.parametrize("text", ["resep nasi goreng", "cuaca hari ini", "halo", "", "pasal", "???"])
def test_search_pasal_nothing_for_unrelated(kb, text):
    assert kb.search_pasal(text) == []


def test_search_pasal_limit_and_order(kb):
    res = kb.search_pasal("penganiayaan", limit=2)
    assert len(res) <= 2 and res[0][0]["id"] == "pasal.penganiayaan"
    scores = [s for _, s in kb.search_pasal("pencurian", limit=5)]
    assert scores == sorted(scores, reverse=True)
    assert kb.search_pasal("pencurian", limit=0) == []


def test_normalize_uu(kb):
    assert kb.normalize_uu("kuhp baru") == "KUHP baru"
    assert kb.normalize_uu("UU ITE") == "UU ITE"
    assert kb.normalize_uu("llaj") == "UU LLAJ"
    assert kb.normalize_uu("narkoba") == "UU Narkotika"
    assert kb.normalize_uu("uu dongeng") is None


def test_kategori_denda(kb):
    table = {k["kategori"]: k["maks"] for k in kb.kategori_denda()}
    assert table == {"I": 1_000_000, "II": 10_000_000, "III": 50_000_000, "IV": 200_000_000,
                     "V": 500_000_000, "VI": 2_000_000_000, "VII": 5_000_000_000,
                     "VIII": 50_000_000_000}
    assert table == kf.KATEGORI_DENDA_MAKS
    assert kb.denda_maks("V") == 500_000_000 and kb.denda_maks("IX") is None


# ---------------------------------------------------------------- local config
def test_local_unset_values_are_none(kb):
    for key in ("alamat", "kontak.telepon", "kontak.whatsapp", "jam_layanan.satpas",
                "jam_layanan.spkt", "jam_layanan.skck", "sim_keliling", "operasi_aktif",
                "lokasi.satpas", "jam_layanan", "tidak.ada", ""):
        assert kb.local(key) is None, key
    assert kb.local("nama") == "Polres Batang"
    assert kb.active_operations() == []
    assert kb.upcoming_sim_keliling() == []


def test_local_values_from_custom_config(tmp_kb_files, monkeypatch):
    data, cfg = tmp_kb_files

    def fill(d):
        d["kontak"]["whatsapp"] = "0812-0000-0000"
        d["jam_layanan"]["satpas"] = "Senin-Jumat 08.00-12.00"
        d["sim_keliling"] = [
            {"hari": "Senin", "tanggal": "2020-01-06", "jam": "08.00-12.00", "lokasi": "Lama"},
            {"hari": "Selasa", "tanggal": "2099-01-06", "jam": "08.00-12.00", "lokasi": "Alun-alun"},
            {"hari": "Rabu", "jam": "09.00-11.00", "lokasi": "Tiap Rabu"},
        ]
        d["operasi_aktif"] = [
            {"nama": "Operasi Lilin Candi 2026", "mulai": "2026-12-20", "selesai": "2027-01-02"},
        ]

    mutate(cfg, fill)
    monkeypatch.setenv("POLRES_CONFIG", str(cfg))
    kb2 = load_kb(data)  # config path from env
    assert kb2.config_path == cfg.resolve()
    assert kb2.local("kontak.whatsapp") == "0812-0000-0000"
    assert kb2.local("jam_layanan.satpas").startswith("Senin")
    assert kb2.local("jam_layanan")["satpas"]
    assert len(kb2.local("sim_keliling")) == 3
    assert kb2.local("sim_keliling.1.lokasi") == "Alun-alun"
    upcoming = kb2.upcoming_sim_keliling(dt.date(2026, 11, 28))
    assert [r["lokasi"] for r in upcoming] == ["Alun-alun", "Tiap Rabu"]
    assert kb2.active_operations(dt.date(2026, 12, 25))[0]["nama"] == "Operasi Lilin Candi 2026"
    assert kb2.active_operations(dt.date(2026, 11, 28)) == []
    assert kb2.local("kontak.telepon") is None


def test_emergency_numbers(kb):
    nums = {n["nomor"]: n for n in kb.emergency_numbers()}
    assert set(nums) == {"110", "112", "113", "115", "118", "119", "129"}
    assert "Polisi" in nums["110"]["layanan"]
    assert nums["129"]["whatsapp"] == "08111-129-129"
    assert "110" in kb.entry("layanan.darurat")["teks"] + " ".join(kb.entry("layanan.darurat")["poin"])


# ---------------------------------------------------------------- formatting
@pytest.mark.parametrize("amount,text", [(100000, "Rp100.000"), (30000, "Rp30.000"),
                                         (50_000_000_000, "Rp50.000.000.000"), (0, "Rp0")])
def test_format_rupiah(amount, text):
    assert kf.format_rupiah(amount) == text


def test_format_tanggal():
    assert kf.format_tanggal("2026-01-02") == "2 Januari 2026"
    assert kf.format_tanggal("") == ""


def test_format_pasal_kuhp(kb):
    text = kf.format_pasal(kb.find_pasal("362")[0])
    assert "Pasal 476" in text and "Pasal 362" in text
    assert text.index("Pasal 476") < text.index("Pasal 362")  # the one in force first
    assert "kategori V" in text and "Rp500.000.000" in text
    assert "2 Januari 2026" in text and "Pasal 3" in text  # transitional rule
    assert kf.DISCLAIMER in text and text.endswith(kf.DISCLAIMER)
    assert kf.DISCLAIMER == ("Ini informasi umum, bukan nasihat hukum. Untuk kasus Anda, hubungi "
                             "SPKT Polres Batang atau penasihat hukum.")
    assert "Perhatian" not in text and "Catatan: informasi ini belum" not in text  # pasti


def test_format_pasal_caveats_and_aduan(kb):
    fitnah = kf.format_pasal(kb.entry("pasal.fitnah"))
    assert "delik aduan" in fitnah.lower() and "belum bisa menyebut satu angka" in fitnah
    llaj = kf.format_pasal(kb.find_pasal("310(4)", "UU LLAJ")[0])
    assert "310 ayat (4)" in llaj and "UU 1/2026" in llaj
    ite = kf.format_pasal(kb.entry("pasal.ite_pencemaran"))
    assert "UU ITE dan/atau KUHP baru" in ite
    tipikor = kf.format_pasal(kb.entry("pasal.tipikor_suap"))
    assert "belum dapat kami pastikan" in tipikor


def test_caveat(kb):
    assert kf.caveat(kb.entry("sim.biaya")) == ""
    assert kf.caveat(None) == ""
    assert "belum dapat kami pastikan" in kf.caveat(kb.entry("skck.kantor"))
    assert "berubah" in kf.caveat(kb.entry("sim.bpjs"))


def test_format_entry_and_fee(kb):
    txt = kf.format_entry(kb.entry("sim.hilang"), with_dasar=True)
    assert "1. " in txt and "Perpol 5/2021" in txt and "19 Februari 2021" in txt
    fee = kf.format_fee(kb.sim_fee("C", "baru"))
    assert "Rp100.000" in fee and "SIM C" in fee
    miss = kf.format_local_missing("jam layanan Satpas")
    assert "belum tersedia" in miss and "110" in miss


def test_user_texts_are_polite_indonesian(kb):
    for e in kb.all_entries():
        text = e.get("teks", "") + " ".join(e.get("poin", []))
        assert not re.search(r"\b(kamu|lu|lo|elo)\b", text, re.I), e["id"]


# ---------------------------------------------------------------- CLI and boundaries
def test_cli_check_ok():
    r = subprocess.run([sys.executable, "-m", "knowledge", "check"], cwd=REPO,
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "POLRES_CONFIG": str(DEFAULT_CONFIG_PATH)})
    assert r.returncode == 0, r.stderr
    assert re.search(r"pasal\s+\d+ entries", r.stdout)
    assert "belum_pasti" in r.stdout and "skck.kantor" in r.stdout


def test_cli_check_fails_clearly(tmp_kb_files):
    data, cfg = tmp_kb_files
    mutate(data / "sim.yml",
           lambda d: find_item(d, "entries", "id", "sim.poin").__setitem__("berlaku_sejak", "2021-99-01"))
    r = subprocess.run([sys.executable, "-m", "knowledge", "check", "--data", str(data),
                        "--config", str(cfg)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert "sim.yml" in r.stderr and "sim.poin" in r.stderr and "berlaku_sejak" in r.stderr
    assert "Traceback" not in r.stderr


def test_knowledge_is_a_leaf_package():
    forbidden = re.compile(r"^\s*(import|from)\s+(rasa|rasa_sdk|nio|actions|matrix_bridge|reports)\b", re.M)
    for py in (REPO / "knowledge").rglob("*.py"):
        assert not forbidden.search(py.read_text(encoding="utf-8")), py


# ---------------------------------------------------------------- audit corrections (issue 10)
def _baru(rec):
    return [k for k in rec["kode"] if k["uu"] == "KUHP baru" and not k.get("berlaku_sampai")]


def _bullets_of(text):
    return [line for line in text.split("\n") if line.startswith("• ")]


@pytest.mark.parametrize("pid,nomor_baru,nomor_lama", [
    ("pasal.tipikor_kerugian_negara", "603", "2(1)"),
    ("pasal.tipikor_wewenang", "604", "3"),
    ("pasal.tipikor_suap", "605", "5(1)"),
])
def test_tipikor_now_kuhp_baru_and_before_uu_tipikor(kb, pid, nomor_baru, nomor_lama):
    rec = kb.entry(pid)
    assert [k["nomor"] for k in _baru(rec)] == [nomor_baru]
    old = [k for k in rec["kode"] if k["uu"] == "UU Tipikor"]
    assert [k["nomor"] for k in old] == [nomor_lama] and old[0]["berlaku_sampai"] == "2026-01-01"
    assert rec["berlaku_sejak"] == "2026-01-02" and rec["kepastian"] == "belum_pasti"
    assert "rumahadhyaksa (teks Pasal 622)" in rec["sumber"] and "sustain.id (2023)" in rec["sumber"]
    text = kf.format_pasal(rec)
    now = text.index(f"Yang berlaku sejak 2 Januari 2026 adalah Pasal {nomor_baru} KUHP baru")
    before = text.index(f"Sebelum 2 Januari 2026 berlaku Pasal {kf.format_nomor(nomor_lama)} UU 31/1999")
    assert now < before
    assert "Pasal 622" in text and "Pasal 3 KUHP baru" in text
    assert pid in _ids(kb.find_pasal(nomor_baru, "KUHP baru"))
    assert pid in _ids(kb.find_pasal(nomor_lama, "UU Tipikor"))  # the old number still finds it


def test_tipikor_figures_and_gratifikasi_still_in_force(kb):
    text = kf.format_pasal(kb.entry("pasal.tipikor_kerugian_negara"))
    assert "seumur hidup" in text and "kategori II" in text and "kategori VI" in text
    suap = kf.format_pasal(kb.entry("pasal.tipikor_suap"))
    assert "paling lama 5 tahun" in suap and "kategori III" in suap and "kategori V" in suap
    wewenang = kf.format_pasal(kb.entry("pasal.tipikor_wewenang"))
    assert "belum kami verifikasi" in wewenang  # 604 penalty is not in our sources
    grat = kb.entry("pasal.tipikor_gratifikasi")
    assert [k["nomor"] for k in grat["kode"]] == ["12B"] and not grat["kode"][0].get("berlaku_sampai")
    assert "masih berlaku" in grat["catatan"]


def test_delik_aduan_ite_27b_and_old_369(kb):
    ite = kb.entry("pasal.ite_ancaman_cemar")
    assert ite["delik_aduan"] is True and "45 ayat (11)" in ite["catatan_aduan"]
    assert "harianmerapi.com" in ite["sumber"] and "transkripsi UU 1/2024 Pasal 45" in ite["sumber"]
    assert "45 ayat (11)" in kf.format_pasal(ite)
    anc = kb.entry("pasal.pengancaman")
    assert anc["delik_aduan"] is True and "369 ayat (2)" in anc["catatan_aduan"]
    assert anc["kepastian"] == "belum_pasti"
    assert "pande.co.id (Pasal 369 ayat (2) delik aduan)" in anc["sumber"]
    text = kf.format_pasal(anc)
    assert "delik aduan" in text and "483" in text and "belum" in text
    assert kb.entry("pasal.delik_aduan")["kepastian"] == "belum_pasti"
    assert any("27B ayat (2)" in p for p in kb.entry("pasal.delik_aduan")["poin"])


def test_no_legal_maximum_is_approximate(kb):
    for rec in kb.pasal_records():
        for k in rec["kode"]:
            for field in ("ancaman", "ancaman_sebelum"):
                assert not re.search(r"\bsekitar\b", k.get(field) or "", re.I), (rec["id"], k["nomor"])


def test_kealpaan_death_is_474_3(kb):
    rec = kb.entry("pasal.kealpaan_kematian")
    assert [k["nomor"] for k in _baru(rec)] == ["474(3)"]
    assert _ids(kb.find_pasal("474 ayat 3")) == ["pasal.kealpaan_kematian"]
    assert "pasal.kealpaan_kematian" in _ids(kb.find_pasal("474"))
    text = kf.format_pasal(rec)
    assert "Pasal 474 ayat (3) KUHP baru" in text and "Rp500.000.000" in text
    assert rec["kepastian"] == "pasti" and "wiki.javasatu.com" in rec["sumber"]


@pytest.mark.parametrize("text,expected", [
    ("hukuman main judi", "pasal.perjudian_pemain"), ("pemain judi online", "pasal.perjudian_pemain"),
    ("main judol", "pasal.perjudian_pemain"), ("pasang togel", "pasal.perjudian_pemain"),
    ("ketahuan berjudi", "pasal.perjudian_pemain"), ("ikut sabung ayam", "pasal.perjudian_pemain"),
    ("bandar judi", "pasal.perjudian"), ("bandar togel", "pasal.perjudian"),
    ("menyelenggarakan perjudian", "pasal.perjudian"),
])
def test_gambling_players_427_organisers_426(kb, text, expected):
    assert kb.search_pasal(text)[0][0]["id"] == expected, kb.search_pasal(text)


def test_gambling_records(kb):
    pemain, bandar = kb.entry("pasal.perjudian_pemain"), kb.entry("pasal.perjudian")
    assert [(k["nomor"], k["kategori_denda"]) for k in _baru(pemain)] == [("427", "III")]
    assert [(k["nomor"], k["kategori_denda"]) for k in _baru(bandar)] == [("426", "VI")]
    assert "paling lama 3 tahun" in _baru(pemain)[0]["ancaman"]
    for rec in (pemain, bandar):
        assert rec["kepastian"] == "pasti" and "ilslawfirm.co.id" in rec["sumber"]
    player_words = {"main judi", "judi online", "judol", "togel", "berjudi", "sabung ayam"}
    assert not player_words & set(bandar["kata_kunci"])  # players no longer routed to 426
    assert _ids(kb.find_pasal("427")) == ["pasal.perjudian_pemain"]


def test_forged_authentic_deed_is_392_1(kb):
    akta = kb.entry("pasal.pemalsuan_akta")
    assert [k["nomor"] for k in _baru(akta)] == ["392(1)"]
    assert "paling lama 8 tahun" in _baru(akta)[0]["ancaman"]
    assert "akta palsu" in akta["kata_kunci"]
    assert "akta palsu" not in kb.entry("pasal.pemalsuan_surat")["kata_kunci"]
    assert kb.search_pasal("akta palsu")[0][0]["id"] == "pasal.pemalsuan_akta"
    assert kb.search_pasal("ijazah palsu")[0][0]["id"] == "pasal.pemalsuan_surat"
    assert _ids(kb.find_pasal("392 ayat 1")) == ["pasal.pemalsuan_akta"]
    for pid in ("pasal.pemalsuan_akta", "pasal.pemalsuan_surat"):
        assert kb.entry(pid)["kepastian"] == "pasti" and "pemalang.inews.id" in kb.entry(pid)["sumber"]


def test_ite_45_6_and_45a(kb):
    rec = kb.entry("pasal.ite_pencemaran")
    by_nomor = {k["nomor"]: k for k in rec["kode"]}
    assert "750" not in by_nomor["27A"]["ancaman"] and "Rp400 juta" in by_nomor["27A"]["ancaman"]
    assert "4 tahun" in by_nomor["45(6)"]["ancaman"] and "Rp750 juta" in by_nomor["45(6)"]["ancaman"]
    assert "Pasal 45 ayat (6)" in kf.format_pasal(rec)
    for pid, ayat in (("pasal.ite_hoaks_konsumen", 1), ("pasal.ite_sara", 2),
                      ("pasal.ite_hoaks_kerusuhan", 3)):
        r = kb.entry(pid)
        assert r["kode"][0]["jo"] == f"Pasal 45A ayat ({ayat})"
        assert "6 tahun" in r["kode"][0]["ancaman"] and "Rp1 miliar" in r["kode"][0]["ancaman"]
        assert "belum terverifikasi" not in r["kode"][0]["ancaman"]
        assert "transkripsi UU 1/2024 Pasal 45A" in r["sumber"]
        assert r["kepastian"] == "berubah"  # confirmed figures, but realigned with the KUHP since 2026


def test_pengeroyokan_second_source(kb):
    rec = kb.entry("pasal.pengeroyokan")
    assert rec["kepastian"] == "pasti" and len(rec["sumber"]) >= 2
    assert any("kompas" in s for s in rec["sumber"])


def test_kurungan_answers_lead_with_what_applies_now(kb):
    checked = 0
    for rec in kb.pasal_records():
        uus = {k["uu"] for k in rec["kode"]}
        if not uus & {"UU LLAJ", "UU KDRT"}:
            continue
        text = kf.format_pasal(rec)
        for k in rec["kode"]:
            assert not re.match(r"\s*(menurut teks asli|kurungan)", k["ancaman"]), rec["id"]
            assert k.get("ancaman_sebelum"), rec["id"]  # the old figure is kept as history
        for line in _bullets_of(text):
            assert "belum kami pastikan" in line, line  # the converted amount is unconfirmed
            assert line.index("belum kami pastikan") < line.index("Sebelum 2 Januari 2026"), line
            if "kurungan" in line:
                assert line.index("dihapus") < line.index("kurungan paling lama"), line
        assert "UU 1/2026" in rec["dasar_hukum"] or any("UU 1/2026" in d for d in rec["dasar_hukum"])
        assert any("pasal.id" in s for s in rec["sumber"]), rec["id"]
        assert rec["berlaku_sejak"] == "2026-01-02" and rec["kepastian"] == "berubah"
        checked += 1
    assert checked >= 17
    tanpa_sim = kf.format_pasal(kb.entry("pasal.llaj_tanpa_sim"))
    assert "Rp1.000.000" in tanpa_sim and tanpa_sim.index("dihapus") < tanpa_sim.index("Rp1.000.000")
    for pid in ("pasal.ite_pencemaran", "pasal.ite_ancaman_kekerasan", "pasal.ite_sara"):
        assert all("UU 1/2026" in k["ancaman"] for k in kb.entry(pid)["kode"]), pid


def test_caveat_says_the_rule_has_changed(kb):
    for rec in kb.all_entries():
        cav = kf.caveat(rec)
        assert "sedang berubah" not in cav, rec["id"]
    llaj = kf.caveat(kb.entry("pasal.llaj_helm"))
    assert "sudah berubah sejak 2 Januari 2026" in llaj and "belum kami verifikasi" in llaj
    assert ":" not in llaj.split("Alasannya: ", 1)[1]  # no "Alasannya: … 2026: UU …" chain
    kdrt = kf.caveat(kb.entry("pasal.kdrt_psikis"))
    assert "sudah berubah sejak 2 Januari 2026" in kdrt


def test_sim_and_skck_entries_not_overstated(kb):
    masa = kb.entry("sim.masa_berlaku")
    assert "Tidak ada aturan tetap" in masa["catatan"] and "Keputusan Kakorlantas" in masa["catatan"]
    assert "Desember 2025" in masa["catatan"]
    perpanjang = kb.entry("sim.perpanjang")
    assert "atau SIM keliling" not in perpanjang["teks"]
    assert "belum kami pastikan" in perpanjang["catatan"] and perpanjang["kepastian"] != "pasti"
    for pid in ("skck.syarat", "skck.perpanjang"):
        e = kb.entry(pid)
        bpjs = [p for p in e["poin"] if "BPJS" in p]
        assert bpjs and all("belum kami pastikan" in p for p in bpjs), pid
        assert e["kepastian"] != "pasti" and e["alasan_kepastian"], pid
        assert any("krjogja" in s for s in e["sumber"]), pid


# ---------------------------------------------------------------- help when it matters
BAHAYA_IDS = {
    "pasal.pencurian_kekerasan", "pasal.penganiayaan", "pasal.penganiayaan_ringan",
    "pasal.penganiayaan_berencana", "pasal.penganiayaan_berat", "pasal.pembunuhan",
    "pasal.pembunuhan_berencana", "pasal.pengeroyokan", "pasal.perkosaan", "pasal.pemerasan",
    "pasal.pengancaman", "pasal.kdrt_fisik", "pasal.kdrt_fisik_ringan", "pasal.kdrt_psikis",
    "pasal.kdrt_psikis_ringan", "pasal.kdrt_seksual", "pasal.ite_ancaman_cemar",
    "pasal.ite_ancaman_kekerasan",
}


def test_danger_records_point_to_110_112(kb):
    flagged = {r["id"] for r in kb.all_entries() if r.get("bahaya")}
    assert flagged >= BAHAYA_IDS
    for pid in flagged:
        text = kf.format_pasal(kb.entry(pid))
        assert kf.BANTUAN_DARURAT in text and "110" in kf.BANTUAN_DARURAT and "112" in kf.BANTUAN_DARURAT
        assert text.index(kf.BANTUAN_DARURAT) < text.index("• ")  # before the legal detail
    for pid in ("pasal.perkosaan", "pasal.kdrt_fisik", "pasal.kdrt_psikis", "pasal.kdrt_seksual"):
        text = kf.format_pasal(kb.entry(pid))
        assert "SAPA 129" in text and "Unit PPA" in text and "SPKT" in text, pid
    for pid in ("pasal.pencurian", "pasal.llaj_helm", "pasal.penipuan"):
        assert kf.BANTUAN_DARURAT not in kf.format_pasal(kb.entry(pid))


def test_join_answers_keeps_one_help_line(kb):
    parts = [kf.format_pasal(r) for r in kb.find_pasal("44", "UU KDRT")]
    assert len(parts) >= 2 and all(kf.BANTUAN_DARURAT in p for p in parts)
    joined = kf.join_answers(parts + [kf.DISCLAIMER])
    assert joined.count(kf.BANTUAN_DARURAT) == 1 and joined.count(kf.DISCLAIMER) == 1
    assert joined.endswith(kf.DISCLAIMER)


def test_local_missing_does_not_send_routine_questions_to_110():
    miss = kf.format_local_missing("jadwal SIM keliling")
    assert "Mapolres Batang" in miss and "110 hanya untuk keadaan darurat" in miss
    assert not re.search(r"(hubungi|telepon)\s+110", miss)
    with_contact = kf.format_local_missing("jam layanan Satpas", kontak="(0285) 000-UJI")
    assert "hubungi (0285) 000-UJI" in with_contact


def test_local_config_values_appear_in_sim_and_skck_answers(tmp_kb_files, kb):
    data, cfg = tmp_kb_files

    def fill(d):
        d["diperbarui"] = "2026-11-01"
        d["jam_layanan"]["satpas"] = "Senin-Jumat 00.00-00.00 (uji)"
        d["lokasi"]["satpas"] = "Gedung Uji Satpas"
        d["jam_layanan"]["skck"] = "Senin-Kamis 00.00-00.00 (uji)"
        d["lokasi"]["skck"] = "Loket Uji SKCK"
        d["kontak"]["telepon"] = "(0285) 000-UJI"
        d["sim_keliling"] = [{"hari": "Rabu", "lokasi": "Lapangan Uji"}]

    mutate(cfg, fill)
    kb2 = load_kb(data, cfg)
    for eid in ("sim.syarat_baru", "sim.perpanjang", "sim.hilang", "sim.ujian", "sim.keliling"):
        txt = kf.format_entry(kb2.entry(eid), local=kb2.local)
        assert "Jam layanan Satpas (SIM): Senin-Jumat 00.00-00.00 (uji)" in txt, eid
        assert "Gedung Uji Satpas" in txt and "SKCK" not in txt.split("Di Polres Batang")[1], eid
        assert "data per 1 November 2026" in txt
        assert "Lapangan Uji" not in txt  # schedules are rendered by the SIM keliling action
    assert "(0285) 000-UJI" in kf.format_entry(kb2.entry("sim.keliling"), local=kb2.local)
    for eid in ("skck.syarat", "skck.perpanjang", "skck.kantor"):
        txt = kf.format_entry(kb2.entry(eid), local=kb2.local)
        assert "Loket Uji SKCK" in txt and "Senin-Kamis 00.00-00.00 (uji)" in txt, eid
        assert "Satpas" not in txt, eid
    # the block sits after the list and before the caveat
    txt = kf.format_entry(kb2.entry("skck.syarat"), local=kb2.local)
    assert txt.index("Biaya PNBP") < txt.index("Loket Uji SKCK") < txt.index("Perhatian")
    # unset values: nothing is invented, no empty block
    for eid in ("sim.syarat_baru", "skck.syarat"):
        assert "Di Polres Batang" not in kf.format_entry(kb.entry(eid), local=kb.local)
        assert kf.format_entry(kb.entry(eid), local=kb.local) == kf.format_entry(kb.entry(eid))


def test_no_doubled_punctuation_in_answers(kb):
    for rec in kb.pasal_records():
        text = kf.format_pasal(rec)
        for line in _bullets_of(text):
            assert line.count(": ") <= 1, line  # "…KDRT: bila korban…:" must not come back
        for line in text.split("\n"):
            assert not re.search(r"[:;,]\s*[.:;,]|\.\s*[:;,]|\.\.", line), line
            assert not re.search(r"\b(\w+) \1\b", line), line
    for e in kb.all_entries():
        if e["jenis"] == "info":
            for line in kf.format_entry(e).split("\n"):
                assert not re.search(r"[:;,]\s*[.:;,]|\.\s*[:;,]|\.\.", line), (e["id"], line)


def test_config_examples_are_obvious_placeholders():
    comments = [line.split("#", 1)[1] for line in DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").splitlines()
                if "#" in line]
    text = "\n".join(comments)
    assert not re.search(r"\b\d{2}[.:]\d{2}\s*-\s*\d{2}[.:]\d{2}\b", text)  # no real-looking hours
    assert not re.search(r"\b(19|20)\d{2}-\d{2}-\d{2}\b", text)  # no real-looking dates
    assert not re.search(r"\(0\d{3}\)\s*\d{3,}", text) and not re.search(r"\b08\d{2}-\d{4}", text)
    assert "HH.MM" in text and "YYYY-MM-DD" in text
