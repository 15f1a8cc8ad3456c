"""Action tests through the REAL action server (rasa-sdk webhook), no Rasa model needed.

Each test POSTs a hand-built tracker to `{actions_url}/webhook`, exactly as Rasa would, and checks
the reply. Expected facts come from the knowledge base where possible (kb.sim_fee etc.), and the
fixed numbers the brief names (Rp75.000, Rp30.000, ...) are checked against it too.
Two extra action servers are started for config-dependent cases: one with a filled operator
config (POLRES_CONFIG) and one with a broken config (knowledge base fails to load).
"""
from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path

import pytest

from knowledge import format as kf
from knowledge import load_kb
from scripts import servers

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def domain() -> dict:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "rasa_project" / "domain")).as_dict()


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def tracker(text="", intent="", entities=(), slots=None, active_loop=None, sender="t",
            events=()):
    ents = [{"entity": k, "value": v, "start": 0, "end": 0} for k, v in entities]
    all_slots = {"jenis_sim": None, "layanan_sim": None, "requested_slot": None}
    all_slots.update(slots or {})
    return {
        "sender_id": sender,
        "slots": all_slots,
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "entities": ents},
        "latest_event_time": None,
        "followup_action": None,
        "paused": False,
        "events": list(events),
        "latest_input_channel": "rest",
        "latest_action_name": "action_listen",
        "latest_action": {"action_name": "action_listen"},
        "active_loop": {"name": active_loop} if active_loop else {},
    }


def call(url: str, domain: dict, action: str, **kw) -> dict:
    body = {"next_action": action, "sender_id": "t", "tracker": tracker(**kw), "domain": domain,
            "version": "3.6.2"}
    req = urllib.request.Request(f"{url}/webhook", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def text_of(result: dict) -> str:
    return "\n".join(m.get("text") or "" for m in result["responses"])


def slot_events(result: dict) -> dict:
    return {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}


# ---------- SIM fees ----------

def test_fee_extension_sim_c_is_specific(actions_url, domain, kb):
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="Biaya perpanjang SIM C?",
             intent="sim_biaya", entities=[("jenis_sim", "C"), ("layanan_sim", "perpanjang")])
    reply = text_of(r)
    assert kb.sim_fee("C", "perpanjang")["jumlah"] == 75000
    assert "Rp75.000" in reply
    assert "Rp100.000" not in reply and "Rp80.000" not in reply  # not the whole table
    slots = slot_events(r)
    # the class and service, plus the subject of the conversation (follow-ups resolve against it)
    assert {k: slots[k] for k in ("jenis_sim", "layanan_sim")} == {"jenis_sim": "C",
                                                              "layanan_sim": "perpanjang"}
    assert (slots["topik"], slots["subjek"], slots["atribut"]) == ("sim", "sim", "biaya")


def test_fee_new_sim_c(actions_url, domain):
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="berapa biaya bikin sim c baru",
             intent="sim_biaya", entities=[("jenis_sim", "C"), ("layanan_sim", "baru")])
    assert "Rp100.000" in text_of(r) and "Rp75.000" not in text_of(r)


def test_fee_without_service_gives_both(actions_url, domain, kb):
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="biaya sim a",
             intent="sim_biaya", entities=[("jenis_sim", "A")])
    reply = text_of(r)
    assert kf.format_rupiah(kb.sim_fee("A", "baru")["jumlah"]) == "Rp120.000"
    assert "Rp120.000" in reply and "Rp80.000" in reply
    assert "Rp100.000" not in reply


def test_fee_class_from_free_text_when_no_entity(actions_url, domain):
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="harga perpanjang sim motor",
             intent="sim_biaya")
    assert "Rp75.000" in text_of(r)
    assert slot_events(r)["jenis_sim"] == "C"


def test_fee_after_form_uses_remembered_service(actions_url, domain):
    # turn 1 "mau perpanjang sim" set layanan_sim=perpanjang; turn 3 "sim A" fills the form
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="sim A", intent="sim_pilih_jenis",
             entities=[("jenis_sim", "A")], slots={"jenis_sim": "A", "layanan_sim": "perpanjang"})
    assert "Rp80.000" in text_of(r) and "Rp120.000" not in text_of(r)


def user_event(text, intent, entities=()):
    return {"event": "user", "text": text,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                           "entities": [{"entity": k, "value": v} for k, v in entities]}}


def test_fee_service_named_before_the_class_question(actions_url, domain):
    # "biaya bikin sim" -> "berapa?" -> (class asked) -> "C": the NEW-SIM fee only
    events = [user_event("biaya bikin sim", "sim_biaya"), user_event("berapa?", "sim_biaya"),
              user_event("C", "sim_pilih_jenis", [("jenis_sim", "C")])]
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="C", intent="sim_pilih_jenis",
             entities=[("jenis_sim", "C")], slots={"jenis_sim": "C"}, events=events)
    assert "Rp100.000" in text_of(r) and "Rp75.000" not in text_of(r)


def test_fee_service_from_an_older_topic_is_not_reused(actions_url, domain):
    events = [user_event("mau perpanjang sim", "sim_perpanjang"),
              user_event("syarat skck apa", "skck_syarat"),
              user_event("biaya sim c", "sim_biaya", [("jenis_sim", "C")])]
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="biaya sim c", intent="sim_biaya",
             entities=[("jenis_sim", "C")], slots={"layanan_sim": "perpanjang"}, events=events)
    assert "Rp100.000" in text_of(r) and "Rp75.000" in text_of(r)


def test_fee_unknown_class_asks_with_buttons(actions_url, domain, kb):
    r = call(actions_url, domain, "action_jawab_sim_biaya", text="berapa?", intent="sim_biaya")
    buttons = r["responses"][0]["buttons"]
    assert "golongan apa" in text_of(r)
    assert {"title": "SIM C", "payload": '/sim_pilih_jenis{"jenis_sim":"C"}'} in buttons
    assert len(buttons) == len(kb.sim_classes())
    assert "jenis_sim" not in slot_events(r)


def test_form_question_has_buttons(actions_url, domain):
    r = call(actions_url, domain, "action_ask_jenis_sim", text="berapa?", intent="sim_biaya",
             active_loop="sim_jenis_form", slots={"requested_slot": "jenis_sim"})
    payloads = [b["payload"] for b in r["responses"][0]["buttons"]]
    assert payloads[:2] == ['/sim_pilih_jenis{"jenis_sim":"C"}', '/sim_pilih_jenis{"jenis_sim":"A"}']
    assert '/sim_pilih_jenis{"jenis_sim":"BI Umum"}' in payloads


def test_form_validation_reads_class_from_text(actions_url, domain):
    r = call(actions_url, domain, "validate_sim_jenis_form", text="yang motor",
             intent="sim_pilih_jenis", active_loop="sim_jenis_form",
             slots={"requested_slot": "jenis_sim"})
    assert slot_events(r).get("jenis_sim") == "C"


def test_form_validation_normalises_and_rejects(actions_url, domain):
    # Rasa appends the slot candidates (from the entity mapping) as the last events
    ok = call(actions_url, domain, "validate_sim_jenis_form", text="yang b1 umum",
              intent="sim_pilih_jenis", active_loop="sim_jenis_form",
              entities=[("jenis_sim", "b1 umum")],
              slots={"requested_slot": "jenis_sim", "jenis_sim": "b1 umum"},
              events=[{"event": "slot", "name": "jenis_sim", "value": "b1 umum"}])
    assert slot_events(ok)["jenis_sim"] == "BI Umum"
    bad = call(actions_url, domain, "validate_sim_jenis_form", text="sim Z",
               intent="sim_pilih_jenis", active_loop="sim_jenis_form",
               entities=[("jenis_sim", "Z")],
               slots={"requested_slot": "jenis_sim", "jenis_sim": "Z"},
               events=[{"event": "slot", "name": "jenis_sim", "value": "Z"}])
    assert slot_events(bad)["jenis_sim"] is None
    assert "tidak saya kenali" in text_of(bad)


# ---------- topics from entries ----------

@pytest.mark.parametrize("intent,text,expected", [
    ("skck_biaya", "biaya skck berapa", ["Rp30.000"]),
    ("skck_masa_berlaku", "skck berlaku berapa lama", ["6 bulan"]),
    ("layanan_darurat", "nomor darurat polisi", ["110", "112"]),
])
def test_topic_facts(actions_url, domain, intent, text, expected):
    reply = text_of(call(actions_url, domain, "action_jawab_topik", text=text, intent=intent))
    for fact in expected:
        assert fact in reply


def test_topic_answers_are_the_entries(actions_url, domain, kb):
    from actions.intents import table

    rows = table().rows
    answered = {i: r["entry"] for i, r in rows.items() if r.get("entry") and not r.get("aksi")}
    assert {"sim_syarat_baru", "skck_syarat", "layanan_darurat", "pasal_kuhp_baru"} <= set(answered)
    for intent, entry_id in answered.items():
        reply = text_of(call(actions_url, domain, "action_jawab_topik", text="x", intent=intent))
        assert kb.entry(entry_id)["teks"].strip()[:60] in reply, intent
        if kb.entry(entry_id)["kepastian"] != "pasti":
            assert kf.caveat(kb.entry(entry_id)) in reply, intent


def test_topic_refinement_skck_wna(actions_url, domain, kb):
    reply = text_of(call(actions_url, domain, "action_jawab_topik",
                         text="syarat skck untuk WNA apa saja", intent="skck_syarat"))
    assert kb.entry("skck.syarat_wna")["teks"].strip()[:60] in reply


def test_bantuan_answers_from_layanan_bantuan(actions_url, domain, kb):
    r = call(actions_url, domain, "action_jawab_topik", text="kamu bisa apa", intent="sapaan_bantuan")
    assert kb.entry("layanan.bantuan")["teks"].strip()[:60] in text_of(r)
    payloads = [b["payload"] for b in r["responses"][0]["buttons"]]
    assert "/sim_biaya" in payloads and "/layanan_darurat" in payloads
    intents = set(domain["intents"]) if isinstance(domain["intents"][0], str) else {
        next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}
    assert all(p.lstrip("/") in intents for p in payloads)


def test_topic_change_closes_sim_form(actions_url, domain):
    r = call(actions_url, domain, "action_jawab_topik", text="biaya skck", intent="skck_biaya",
             active_loop="sim_jenis_form", slots={"requested_slot": "jenis_sim"})
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in r["events"]]
    assert "Rp30.000" in text_of(r)


# ---------- pasal ----------

def test_pasal_old_number_points_to_new_kuhp(actions_url, domain):
    reply = text_of(call(actions_url, domain, "action_jawab_pasal", text="pasal 362",
                         intent="pasal_cari", entities=[("pasal_nomor", "362")]))
    assert "476" in reply and "362" in reply
    assert reply.rstrip().endswith(kf.DISCLAIMER)


def test_pasal_new_number_with_code(actions_url, domain):
    reply = text_of(call(actions_url, domain, "action_jawab_pasal", text="pasal 476 KUHP baru",
                         intent="pasal_cari",
                         entities=[("pasal_nomor", "476"), ("uu", "KUHP baru")]))
    assert "476" in reply and "Pencurian".lower() in reply.lower()


@pytest.mark.parametrize("text,expected_any", [
    ("hukuman nyolong motor", ["476", "477"]),
    ("pasal penipuan online", ["492", "378", "28"]),
])
def test_pasal_by_description(actions_url, domain, text, expected_any):
    reply = text_of(call(actions_url, domain, "action_jawab_pasal", text=text, intent="pasal_cari"))
    assert any(n in reply for n in expected_any), reply
    assert kf.DISCLAIMER in reply


def test_pasal_number_in_the_other_code(actions_url, domain):
    reply = text_of(call(actions_url, domain, "action_jawab_pasal", text="pasal 362 kuhp baru",
                         intent="pasal_cari",
                         entities=[("pasal_nomor", "362"), ("uu", "KUHP baru")]))
    assert "tidak ditemukan di data kami" in reply and "KUHP lama" in reply and "476" in reply
    assert kf.DISCLAIMER in reply


def test_pasal_number_from_text_when_entity_is_wrong(actions_url, domain):
    reply = text_of(call(actions_url, domain, "action_jawab_pasal", text="pasal nomor 338",
                         intent="pasal_cari", entities=[("pasal_nomor", "nomor")]))
    assert "338" in reply and "458" in reply


def test_pasal_unknown_number_is_honest(actions_url, domain):
    reply = text_of(call(actions_url, domain, "action_jawab_pasal", text="pasal 9999",
                         intent="pasal_cari", entities=[("pasal_nomor", "9999")]))
    assert "Pasal 9999" in reply and "tidak ditemukan di data kami" in reply
    assert "SPKT" in reply and kf.DISCLAIMER in reply


def test_pasal_caveat_when_uncertain(actions_url, domain, kb):
    uncertain = [r for r in kb.entries("pasal") if r.get("kode") and r["kepastian"] != "pasti"]
    if not uncertain:
        pytest.skip("knowledge base has no uncertain pasal record")
    rec = uncertain[0]
    nomor, uu = rec["kode"][0]["nomor"], rec["kode"][0]["uu"]
    reply = text_of(call(actions_url, domain, "action_jawab_pasal", text=f"pasal {nomor} {uu}",
                         intent="pasal_cari", entities=[("pasal_nomor", nomor), ("uu", uu)]))
    assert kf.caveat(rec) in reply


# ---------- local facts (operator config) ----------

def test_contacts_with_repo_config(actions_url, domain, kb):
    reply = text_of(call(actions_url, domain, "action_kontak_polres", text="alamat polres batang",
                         intent="layanan_kontak_polres"))
    if kb.local("alamat") is None and kb.local("kontak.telepon") is None:
        assert "belum tersedia" in reply and "110" in reply
    else:
        assert (kb.local("alamat") or kb.local("kontak.telepon")) in reply


@pytest.fixture(scope="module")
def extra_servers():
    """Two more action servers: filled operator config, and a broken config."""
    tmp = Path(tempfile.mkdtemp(prefix="a2-actions-"))
    filled = tmp / "polres-filled.yml"
    filled.write_text(
        "nama: Polres Batang\n"
        "alamat: Jl. Contoh Uji No. 1, Batang\n"
        "kontak:\n  telepon: (0285) 000-TEST\n"
        "jam_layanan:\n  satpas: Senin-Jumat 08.00-12.00 (uji)\n"
        "sim_keliling:\n  - hari: Selasa\n    jam: 08.00-11.00\n    lokasi: Alun-alun Uji\n"
        "operasi_aktif:\n  - nama: Operasi Uji Coba\n    mulai: '2020-01-01'\n    selesai: '2099-12-31'\n",
        encoding="utf-8")
    broken = tmp / "polres-broken.yml"
    broken.write_text("nama: [unclosed\n", encoding="utf-8")
    empty = tmp / "polres-empty.yml"  # nothing filled in yet (whatever config/polres.yml holds)
    empty.write_text("nama: Polres Batang\n", encoding="utf-8")
    stack = servers.Stack(tmp / "logs")
    try:
        urls = {
            "filled": servers.start_actions(stack, servers.free_port(), {"POLRES_CONFIG": str(filled)}),
            "broken": servers.start_actions(stack, servers.free_port(), {"POLRES_CONFIG": str(broken)}),
            "empty": servers.start_actions(stack, servers.free_port(), {"POLRES_CONFIG": str(empty)}),
        }
        urls["log_dir"] = tmp / "logs"
        yield urls
    finally:
        stack.stop()


def test_contacts_from_filled_config(extra_servers, domain):
    reply = text_of(call(extra_servers["filled"], domain, "action_kontak_polres",
                         text="nomor telepon polres", intent="layanan_kontak_polres"))
    assert "Jl. Contoh Uji No. 1, Batang" in reply and "(0285) 000-TEST" in reply
    assert "Senin-Jumat 08.00-12.00 (uji)" in reply


def test_contacts_unset_say_not_available(extra_servers, domain):
    reply = text_of(call(extra_servers["empty"], domain, "action_kontak_polres",
                         text="alamat polres batang dimana?", intent="layanan_kontak_polres"))
    assert "belum tersedia" in reply and "110" in reply


def test_sim_keliling_and_operation_from_config(extra_servers, domain):
    keliling = text_of(call(extra_servers["filled"], domain, "action_info_lokal",
                            text="jadwal sim keliling", intent="sim_keliling"))
    assert "Alun-alun Uji" in keliling and "Selasa" in keliling
    operasi = text_of(call(extra_servers["filled"], domain, "action_info_lokal",
                           text="ada operasi apa sekarang", intent="layanan_operasi"))
    assert "Operasi Uji Coba" in operasi


def test_local_facts_unset_say_not_available(extra_servers, domain):
    for intent in ("sim_keliling", "layanan_operasi"):
        reply = text_of(call(extra_servers["empty"], domain, "action_info_lokal", text="x", intent=intent))
        assert "belum tersedia" in reply and "110" in reply, intent


def test_broken_knowledge_base_apologises(extra_servers, domain):
    for action, intent in [("action_jawab_sim_biaya", "sim_biaya"), ("action_jawab_topik", "skck_biaya"),
                           ("action_jawab_pasal", "pasal_cari"), ("action_kontak_polres",
                                                                 "layanan_kontak_polres")]:
        r = call(extra_servers["broken"], domain, action, text="biaya sim c", intent=intent)
        reply = text_of(r)
        assert "Mohon maaf" in reply and "110" in reply and "112" in reply, action
        assert "Traceback" not in reply and "Error" not in reply
    log = (extra_servers["log_dir"] / "actions.log").read_text(errors="replace")
    assert "knowledge base unavailable: KnowledgeError" in log


# ---------- follow-ups: action_lanjut reads the subject from the slots ----------

@pytest.mark.parametrize("slots,intent,text,expected,absent", [
    ({"topik": "skck", "subjek": "skck", "atribut": "syarat", "intent_terakhir": "skck_syarat"},
     "lanjut_biaya", "biayanya?", "Rp30.000", "golongan apa"),
    ({"topik": "sim", "subjek": "sim", "atribut": "usia", "intent_terakhir": "sim_usia",
      "jenis_sim": "C"}, "sim_pilih_jenis", "kalau sim A?", "SIM A adalah 17 tahun", "Rp"),
    ({"topik": "sim", "subjek": "sim", "atribut": "perpanjang", "intent_terakhir": "sim_perpanjang",
      "layanan_sim": "perpanjang"}, "lanjut_syarat", "syaratnya?", "SIM lama", "empat syarat"),
    ({"topik": "pasal", "subjek": "pasal", "atribut": "ancaman", "intent_terakhir": "pasal_cari",
      "pasal_id": "pasal.pencurian", "kuhp": "lama"}, "lanjut_kuhp_baru", "kalau di kuhp baru?",
     "Di KUHP baru, pencurian diatur di Pasal 476", None),
    ({"topik": "pasal", "subjek": "pasal", "atribut": "ancaman", "intent_terakhir": "pasal_cari",
      "pasal_id": "pasal.penganiayaan", "kuhp": "baru"}, "lanjut_kondisi",
     "kalau korbannya meninggal?", "paling lama 7 tahun", None),
    ({"topik": "pasal", "subjek": "pasal", "atribut": "ancaman", "intent_terakhir": "pasal_cari",
      "pasal_id": "pasal.pencurian", "kuhp": "baru"}, "lanjut_kondisi",
     "kalau barangnya murah?", "Pencurian ringan", None),
    ({"topik": "pasal", "subjek": "pasal", "atribut": "ancaman", "intent_terakhir": "pasal_cari",
      "pasal_id": "pasal.pencurian_kekerasan", "kuhp": "baru"}, "lanjut_kondisi",
     "kalau korbannya meninggal?", "belum memuat", None),
])
def test_follow_up_resolves_against_slots(actions_url, domain, slots, intent, text, expected, absent):
    result = call(actions_url, domain, "action_lanjut", text=text, intent=intent, slots=slots,
                  entities=[("jenis_sim", "A")] if intent == "sim_pilih_jenis" else ())
    reply = text_of(result)
    assert expected in reply, reply
    if absent:
        assert absent not in reply, reply


@pytest.mark.parametrize("intent", ["lanjut_biaya", "lanjut_syarat", "lanjut_online",
                                    "lanjut_kondisi", "lanjut_kuhp_baru"])
def test_follow_up_without_subject_asks_with_buttons(actions_url, domain, intent):
    result = call(actions_url, domain, "action_lanjut", text="itu?", intent=intent)
    assert result["responses"] and result["responses"][0].get("buttons"), result
    assert "Rp" not in text_of(result)


def test_answer_records_the_subject(actions_url, domain):
    result = call(actions_url, domain, "action_jawab_topik", text="syarat skck", intent="skck_syarat")
    slots = slot_events(result)
    assert (slots["topik"], slots["subjek"], slots["atribut"]) == ("skck", "skck", "syarat")
    pasal = slot_events(call(actions_url, domain, "action_jawab_pasal", text="pasal 362",
                             intent="pasal_cari"))
    assert pasal["pasal_id"] == "pasal.pencurian" and pasal["kuhp"] == "lama"


@pytest.mark.parametrize("intent,text,lead", [
    ("sim_ujian", "surat sehat untuk sim berlaku berapa lama", "berlaku 14 hari"),
    ("sim_ujian", "nilai lulus ujian teori berapa", "70"),
    ("sim_poin", "sim dicabut kalau 18 poin?", "18"),
    ("pasal_kategori_denda", "denda kategori III berapa", "Rp50.000.000"),
    ("layanan_tilang", "etle kalau gak dibayar stnk diblokir?", "8 hari"),
])
def test_specific_fact_leads_the_answer(actions_url, domain, intent, text, lead):
    reply = text_of(call(actions_url, domain, "action_jawab_topik", text=text, intent=intent))
    assert lead in reply.split("\n", 1)[0], reply


def test_emergency_inside_the_sim_form_keeps_the_form(actions_url, domain):
    result = call(actions_url, domain, "action_darurat", text="tolong darurat",
                  intent="layanan_darurat", active_loop="sim_jenis_form")
    reply = text_of(result)
    assert "110" in reply and "112" in reply
    assert not [e for e in result["events"] if e["event"] == "active_loop"], result["events"]
