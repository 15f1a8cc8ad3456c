"""The subject carried across turns and the specific fact leading the answer (issue 9, second
round): the same attribute asked of another service ("kalau SKCK?"), pasal answers that lead with
the article and the penalty, conditions named in the question itself, "which topic?" buttons that
span two topics, goodbye only on a clear goodbye, and local office details that are not set.

The first part runs pure functions (no server); the second part talks to the real Rasa server
and action server with the trained model (fixture `chat`, tests/conftest.py). Written by the
developer of these mechanisms (development tests, not the independent sets in tests/nlu/).
"""
from __future__ import annotations

import pytest

from actions import pasal_lead
from actions.lanjut_subjek import bare_subject
from actions.normal import normal_text
from actions.sapaan import clear_goodbye
from knowledge import load_kb

pytestmark = pytest.mark.timeout(300)

PAMIT = "Sampai jumpa, tetap jaga keamanan"
LEAD = 200  # what a reader sees first (same cut as scripts/nlu_dialogues.py)


# ================================================================ pure functions
@pytest.mark.parametrize("text,subjek", [
    ("kalau SKCK?", "skck"), ("nek skck piye", "skck"), ("menawi SKCK pripun", "skck"),
    ("lha nek stnk?", "stnk"), ("bagaimana dengan tilang?", "tilang"), ("kalo sim gmn", "sim"),
    ("kalau skck biayanya berapa?", None),  # names an attribute of its own
    ("syarat skck apa saja yang harus dibawa ke polres", None),
    ("kalau korbannya meninggal?", None),
])
def test_bare_subject(text, subjek):
    assert bare_subject(text) == subjek


@pytest.mark.parametrize("text,expected", [
    ("penganiayaan", ["466", "351", "2 tahun 6 bulan"]),
    ("pencurian kuhp lama", ["Pasal 362 KUHP lama", "476"]),
    ("denda pencurian berapa", ["kategori V", "Rp500.000.000"]),
    ("denda tidak pakai helm", ["291", "Rp250.000", "belum kami pastikan"]),
])
def test_pasal_lead_has_article_and_penalty(text, expected):
    kb = load_kb()
    record = kb.search_pasal(text, limit=1)[0][0]
    lead = pasal_lead.lead(kb, record, text)
    for item in expected:
        assert item in lead, (item, lead)


def test_pasal_lead_picks_the_sub_article_for_the_condition():
    kb = load_kb()
    lead = pasal_lead.lead(kb, kb.entry("pasal.llaj_kecelakaan_lalai"), "nabrak orang sampai meninggal")
    assert "310 ayat (4)" in lead and "6 tahun" in lead, lead


def test_condition_named_in_a_direct_question():
    kb = load_kb()
    found = pasal_lead.condition_lead(kb, kb.entry("pasal.pencurian"), "nyolong pas malem hari")
    assert found is not None
    sentence, record = found
    assert record["id"] == "pasal.pencurian_pemberatan" and "malam" in sentence


@pytest.mark.parametrize("text", ["dadah pak", "ok makasih ya, udah dulu", "matur nuwun, pareng",
                                  "sampai jumpa lagi"])
def test_clear_goodbye_words(text):
    assert clear_goodbye(text)


@pytest.mark.parametrize("text", ["kalau korbannya mati?", "terus kalau malam hari gimana?",
                                  "lha nek dilakoni wong loro?"])
def test_follow_ups_are_not_goodbyes(text):
    assert not clear_goodbye(text)


def test_normal_text_for_fact_patterns():
    assert normal_text("brp lama srt sehat brlaku") == "berapa lama surat sehat berlaku"


# ================================================================ through the running assistant
def lead_of(reply: str) -> str:
    """The first LEAD characters after the 110/112 safety line, which leads every answer about a
    violent offence by design (audit corrections, tests/rasa/test_corrections.py)."""
    from knowledge.format import BANTUAN_DARURAT

    return reply.replace(BANTUAN_DARURAT, "", 1).strip().replace("*", "")[:LEAD]


@pytest.mark.parametrize("opening,follow_up,expected,absent", [
    ("berapa biaya bikin sim c?", "kalau skck?", "Rp30.000", "golongan apa"),
    ("sim berlaku berapa tahun?", "nek skck piye?", "6 bulan", "5 tahun"),
    pytest.param("skck bisa diurus online?", "kalau sim gimana?", "Digital Korlantas", "Super App",
                 marks=pytest.mark.xfail(reason="known regression: lanjut_subjek is no longer learned "
                                         "(its examples cost refusal recall); this wording now reaches "
                                         "the SIM class question instead of SIM online", strict=False)),
])
def test_same_attribute_of_another_service(conv, opening, follow_up, expected, absent):
    say = conv()
    say(opening)
    reply, _ = say(follow_up)
    assert expected in reply, reply
    assert absent not in lead_of(reply), reply


def test_sim_class_after_skck_requirements_keeps_the_attribute(conv):
    say = conv()
    say("syarat bikin skck apa aja")
    reply, _ = say("kalau sim c?")
    assert "Rp30.000" not in reply and "SIM" in reply, reply
    assert "syarat" in reply.lower(), reply


@pytest.mark.parametrize("question,expected", [
    ("hukuman penganiayaan berapa tahun?", ["466", "2 tahun 6 bulan"]),
    ("penganiayaan sampai korbannya meninggal dihukum berapa tahun", ["7 tahun"]),
    ("gratifikasi diatur di pasal berapa?", ["12B"]),
    ("denda gak pake helm berapa", ["Rp250.000"]),
    ("nomor damkar berapa ya", ["113"]),
    ("operasi lilin 2025 menurunkan berapa personel?", ["27.971"]),
    ("polres batang membawahi berapa polsek", ["12 Polsek"]),
    ("sim d perpanjang bayar berapa", ["Rp30.000"]),
    ("jam buka layanan skck di polres batang", ["belum tersedia"]),
])
def test_specific_fact_leads(conv, question, expected):
    reply, _ = conv()(question)
    for item in expected:
        assert item in lead_of(reply), reply


def test_pasal_number_question_without_subject_asks_with_two_topics(conv):
    reply, buttons = conv()("pasal berapa?")
    assert "?" in reply and len(buttons) >= 2, reply
    payload_topics = {b["payload"].lstrip("/").split("_")[0] for b in buttons}
    assert len(payload_topics) >= 2, buttons


def test_follow_up_after_offence_is_not_a_goodbye(conv):
    say = conv()
    say("hukuman mencuri motor apa")
    reply, _ = say("terus kalau dilakukan malam hari?")
    assert PAMIT not in reply
    assert "477" in reply, reply


def test_goodbye_with_thanks(conv):
    say = conv()
    say("biaya skck berapa")
    reply, _ = say("oke makasih, udah dulu ya")
    assert PAMIT in reply, reply
