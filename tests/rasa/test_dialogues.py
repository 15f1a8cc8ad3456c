"""Conversation quality on the independent dialogue and fact sets (issue 9), through the real
trained assistant: every dialogue of tests/nlu/dialogues.yml is played over the REST webhook
with a fresh sender id, every question of tests/nlu/facts.yml is asked as the first message of
a fresh conversation; refusals are read from the tracker (blokir_* intent or
action_blokir*/utter_blokir* action). Scoring: scripts/nlu_dialogues.py.

Bars (issue 9): dialogue pass rate >= 0.90, fact pass rate >= 0.90. The per-pattern table and
every failure are printed and written to out/eval/conversation-latest.json.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from scripts import nlu_dialogues as nd

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(1800)

PATTERNS = {"atribut_lain", "item_lain", "kode_lain", "kondisi", "subjek_baru", "tanpa_subjek",
            "pamit", "darurat", "lanjut_setelah_tolak", "susulan_pendek"}
REGISTERS = {"formal", "santai", "jawa_ngoko", "jawa_krama"}
ISSUE9_ENTRIES = {"skck.bpjs", "skck.pengantar_kelurahan", "skck.penghapusan", "layanan.bpjs",
                  "layanan.kontak_polres", "umum.bencana_info", "umum.rawan_longsor",
                  "umum.rawan_banjir", "pasal.kategori_denda", "pasal.delik_aduan",
                  "pasal.penyesuaian_pidana", "pasal.kuhap_baru", "pasal.ite_putusan_mk"}


@pytest.fixture(scope="module")
def sets():
    return nd.load(nd.DIALOGUES, "dialogues"), nd.load(nd.FACTS, "facts")


def test_sets_have_the_promised_size_and_spread(sets):
    dialogues, facts = sets
    assert len(dialogues) >= 80 and len(facts) >= 100, (len(dialogues), len(facts))
    per_pattern = Counter(d["pattern"] for d in dialogues)
    assert set(per_pattern) == PATTERNS, per_pattern
    assert min(per_pattern.values()) >= 5, per_pattern
    assert {d["register"] for d in dialogues} == REGISTERS
    assert {f["register"] for f in facts} == REGISTERS
    assert ISSUE9_ENTRIES <= {f["entry"] for f in facts}
    assert len({d["id"] for d in dialogues}) == len(dialogues)
    assert len({f["id"] for f in facts}) == len(facts)
    for d in dialogues:  # every dialogue checks something after its first message
        assert len(d["turns"]) >= 1 and all(t.get("user") for t in d["turns"]), d["id"]
        assert any(t.get("expect") for t in d["turns"]), d["id"]
    for f in facts:
        assert f.get("lead"), f["id"]


def test_scoring_rules_on_known_replies():
    """The matcher and the lead rule do what tests/nlu/*.yml documents."""
    assert nd.matches("Biaya PNBP Rp30.000.", "30.000")
    assert nd.matches("sekitar 30 ribu rupiah", "30.000")
    assert not nd.matches("Rp130.000", "30.000") and not nd.matches("Rp30.000.000", "30.000")
    assert nd.matches("Pasal 433(2) KUHP baru", "433") and not nd.matches("Pasal 4331", "433")
    assert nd.matches("berlaku *6 bulan*", ["6 bulan", "enam bulan"])
    lead = nd.lead_of([{"text": "x" * 195 + " 27.971 personel dan seterusnya " + "y" * 300}])
    assert lead.endswith("27.971") and nd.matches(lead, "27.971")
    assert not nd.matches(nd.lead_of([{"text": "z" * 400 + " 476"}]), "476")
    turn = {"intent": "blokir_gaji", "actions": ["utter_blokir_gaji"]}
    assert nd.check_turn({"refusal": False}, [{"text": "Mohon maaf"}], turn) == ["refused"]
    assert nd.check_turn({"refusal": True}, [{"text": "Mohon maaf"}], turn) == []
    ask = [{"text": "Maksud Anda tentang SIM atau SKCK?",
            "buttons": [{"title": "SIM", "payload": "/x"}, {"title": "SKCK", "payload": "/y"}]}]
    assert nd.check_turn({"ask_topic": True, "not_contains": ["Rp"]}, ask,
                         {"intent": "", "actions": []}) == []
    assert nd.check_turn({"ask_topic": True}, [{"text": "Biaya Rp30.000"}], {"intent": "", "actions": []})
    one_topic = [{"text": "SIM golongan apa?", "buttons": [
        {"title": "SIM A", "payload": '/sim_pilih_jenis{"jenis_sim":"A"}'},
        {"title": "SIM C", "payload": '/sim_pilih_jenis{"jenis_sim":"C"}'}]}]
    assert nd.check_turn({"ask_topic": True}, one_topic, {"intent": "", "actions": []})  # a guess
    topicless = [{"text": "Biaya apa yang Anda maksud?", "buttons": [
        {"title": "Biaya SIM", "payload": '/lanjut_biaya{"topik":"sim"}'},
        {"title": "Biaya SKCK", "payload": '/lanjut_biaya{"topik":"skck"}'}]}]
    assert nd.check_turn({"ask_topic": True}, topicless, {"intent": "", "actions": []}) == []
    assert nd.check_turn({"goodbye": False},
                         [{"text": "Terima kasih sudah bertanya. Sampai jumpa, tetap jaga keamanan."}],
                         {"intent": "", "actions": []})
    assert nd.check_turn({}, [], {"intent": "", "actions": []}) == ["no reply"]


@pytest.fixture(scope="module")
def results(rasa_url, actions_url, sets):
    dialogues, facts = sets
    drows = nd.run_dialogues(rasa_url, dialogues)
    frows = nd.run_facts(rasa_url, facts)
    summary = nd.summarise(drows, frows)
    out = ROOT / "out" / "eval"
    out.mkdir(parents=True, exist_ok=True)
    (out / "conversation-latest.json").write_text(json.dumps(
        {"source": "tests/rasa/test_dialogues.py", "thresholds": nd.THRESHOLDS, "summary": summary,
         "dialogues": drows, "facts": frows}, indent=1, ensure_ascii=False))
    print("\n" + "\n".join(nd.report_lines(summary, drows, frows)))
    return summary


# make test holds nd.GATES, which are issue 9's targets (nd.THRESHOLDS, 0.90) since its third round.
def test_dialogue_pass_rate(results):
    rate, gate = results["dialogue_pass_rate"], nd.GATES["dialogue_pass_rate"]
    print(f"dialogue pass rate {rate:.3f} (gate {gate}, target {nd.THRESHOLDS['dialogue_pass_rate']})")
    assert rate >= gate, (
        f"dialogue pass rate {rate:.3f} < {gate}; per pattern: {json.dumps(results['per_pattern'])}")


def test_fact_pass_rate(results):
    rate, gate = results["fact_pass_rate"], nd.GATES["fact_pass_rate"]
    print(f"fact pass rate {rate:.3f} (gate {gate}, target {nd.THRESHOLDS['fact_pass_rate']})")
    assert rate >= gate, (
        f"fact pass rate {rate:.3f} < {gate}; per topic: {json.dumps(results['fact_per_topic'])}")
