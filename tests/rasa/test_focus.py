"""knowledge/focus.py: the sentence of an entry a specific question singles out (issue 9, third
round). Pure knowledge-base tests on the real data (no server). Developer wording; the
independent evaluation sets in tests/nlu/ are never used here.
"""
from __future__ import annotations

import pytest

from knowledge import focus, load_kb


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_stem_folds_affixes_and_synonyms():
    assert focus.stem("dipungut") == "biaya"  # "pungut" is in the fee group
    assert focus.stem("pembuatan") == "buat"
    assert focus.stem("Gratis") == "biaya"
    assert focus.stem("aktifin") == "aktif"
    assert focus.stem("wa") == "nomor"
    assert focus.stem("2026") == "2026"


def test_every_entry_has_units_and_every_unit_text_comes_from_the_entry(kb):
    index = focus.index_for(kb)
    for entry in kb.all_entries():
        units = index.units[entry["id"]]
        assert units, entry["id"]
        assert sum(u.first for u in units) <= 1, entry["id"]
        whole = " ".join(str(v) for v in entry.values())
        whole = " ".join(whole.split())
        for unit in units:
            assert unit.text in whole, (entry["id"], unit.text)


@pytest.mark.parametrize("entry_id, question, expected", [
    ("sim.ujian", "sertifikat psikologi itu bisa dibuat online?", "ePPsi"),
    ("sim.ujian", "ujian teori harus dapat nilai berapa biar lulus", "70"),
    ("skck.online", "kalau lewat aplikasi bayarnya pakai apa", "BRIVA"),
    ("layanan.laporan_polisi", "lapor ke polisi itu gratis kan?", "tidak dipungut biaya"),
    ("sim.golongan", "nyetir alat berat pakai sim apa", "BII"),
    ("layanan.stnk", "pelat kendaraan diganti berapa tahun sekali", "5 tahun"),
])
def test_the_sentence_asked_for_inside_the_chosen_entry(kb, entry_id, question, expected):
    hit = focus.best_unit(kb, [entry_id], question, min_score=focus.IN_ENTRY_SCORE)
    assert hit is not None and expected in hit.sentence, hit


def test_a_continuation_sentence_carries_its_list_item_head(kb):
    hit = focus.best_unit(kb, ["sim.ujian"], "sertifikat psikologi itu bisa dibuat online?",
                          min_score=focus.IN_ENTRY_SCORE)
    assert hit.sentence.startswith("Sertifikat tes psikologi: "), hit.sentence


def test_a_general_question_singles_out_nothing(kb):
    # the title words are dropped: nothing is left that points at one sentence
    assert focus.best_unit(kb, ["skck.syarat"], "syarat bikin skck apa saja",
                           min_score=focus.IN_ENTRY_SCORE) is None
    assert focus.best_unit(kb, ["sim.perpanjang"], "cara perpanjang sim gimana",
                           min_score=focus.IN_ENTRY_SCORE) is None


@pytest.mark.parametrize("question, entry_id, expected", [
    ("skck yang sudah jadi masa berlakunya sampai kapan", "skck.masa_berlaku", "6 bulan"),
    ("aplikasi buat cek risiko bencana di daerah saya apa", "umum.bencana_info", "InaRISK"),
    ("apa benar pemeriksaan tersangka sekarang direkam cctv", "pasal.kuhap_baru", "CCTV"),
    ("hukuman mati sekarang ada masa percobaannya?", "pasal.penyesuaian_pidana", "10 tahun"),
])
def test_the_whole_knowledge_base_for_an_unclear_message(kb, question, entry_id, expected):
    hit = focus.search(kb, question)
    assert hit is not None and hit.entry_id == entry_id and expected in hit.sentence, hit


@pytest.mark.parametrize("question", [
    "biayanya berapa?", "kalau yang itu gimana", "syaratnya apa aja", "berapa lama?", "ok makasih",
    "siapa nama istri kapolres", "kalau yang online?", "nomor wa nya berapa", "masa berlakunya?",
    "umurnya minimal berapa",
])
def test_a_message_without_rare_words_finds_nothing(kb, question):
    assert focus.search(kb, question) is None


def test_two_different_sentences_that_tie_are_unclear(kb):
    index = focus.index_for(kb)
    a, b = index.units["sim.bpjs"][-2:]  # "Cek status ..." and "Daftar/aktifkan ..."
    assert not focus.same_fact(a, b)
    twin = next(u for u in index.units["layanan.bpjs"] if "08118750400" in u.text)
    assert focus.same_fact(a, twin)  # the same number in two entries is one fact


def test_a_topic_restricts_the_search(kb):
    hit = focus.search(kb, "pidana kurungan masih ada atau sudah dihapus", topik="pasal")
    assert hit is not None and hit.entry_id.startswith("pasal."), hit
    assert focus.search(kb, "pidana kurungan masih ada atau sudah dihapus", topik="sim") is None


@pytest.mark.parametrize("record_id, question, expected", [
    ("pasal.perzinaan", "yang boleh melaporkan perselingkuhan siapa", "suami/istri"),
    ("pasal.pencurian_ringan", "maling barang murah itu batas harganya berapa", "Rp500.000"),
])
def test_a_question_about_an_offence_other_than_its_penalty(kb, record_id, question, expected):
    from actions.fokus import record_focus

    sentence = record_focus(kb, kb.entry(record_id), question)
    assert sentence and expected in sentence, sentence


@pytest.mark.parametrize("question", ["perselingkuhan kena pasal apa", "hukuman maling barang murah"])
def test_a_penalty_question_keeps_the_usual_pasal_lead(kb, question):
    from actions.fokus import record_focus

    assert record_focus(kb, kb.entry("pasal.perzinaan"), question) is None
