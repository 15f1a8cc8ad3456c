"""Issue 9, second round: follow-ups that the NLU alone would refuse, send to a report, or answer
with a general entry, keep the conversation's subject. Real conversations through the running
Rasa server and action server with the trained model. Developer tests with the developer's own
wording; the independent evaluation sets live in tests/nlu/ and are never used here.
"""
from __future__ import annotations

import pytest

from actions.urgensi import SEGERA
from knowledge.format import BANTUAN_DARURAT

pytestmark = pytest.mark.timeout(300)

REFUSAL_MARKERS = ("tidak dapat memberikan", "di luar layanan", "tidak dapat membantu")


def lead(reply: str) -> str:
    return reply.strip().split("\n", 1)[0]


def test_another_traffic_offence_is_not_refused(conv):
    say = conv()
    say("denda gak pake helm berapa sih")
    reply, _ = say("kalau nyerobot lampu merah?")
    assert not any(m in reply for m in REFUSAL_MARKERS), reply
    assert "Pasal 287 ayat (2)" in lead(reply), reply


def test_offence_follow_up_is_not_taken_for_a_report(conv):
    say = conv()
    say("kalau nipu orang kena pasal apa")
    reply, _ = say("bagaimana dengan menggelapkan uang kantor?")
    assert "Penggelapan" in lead(reply) and "486" in lead(reply), reply
    assert "mencatat laporan" not in reply, reply


def test_slang_offence_names_are_known(conv):
    say = conv()
    say("hukuman nyolong motor berapa tahun")
    reply, _ = say("klo nadah motor curian?")
    assert "Pasal 591" in lead(reply), reply
    reply, _ = say("lha nek meres pedagang pasar?")
    assert "Pasal 482" in lead(reply), reply


def test_condition_with_a_linked_record_leads_with_its_article(conv):
    say = conv()
    say("pasal buat orang yang mencuri")
    reply, _ = say("kalau nyurinya tengah malam masuk rumah?")
    assert "Pasal 477" in lead(reply), reply


def test_written_defamation_follow_up(conv):
    say = conv()
    say("pencemaran nama baik secara lisan pasal berapa")
    reply, _ = say("kalau lewat selebaran?")
    assert "433 ayat (2)" in lead(reply), reply


@pytest.mark.parametrize("opening,follow_up,wanted", [
    ("pasal 338 itu apa", "lha saiki neng kuhp anyar nomer piro", "458"),
    ("pasal pemalsuan surat apa", "sebelum kuhp baru berlaku dulu nomornya berapa", "263"),
])
def test_the_other_code_in_other_words(conv, opening, follow_up, wanted):
    say = conv()
    say(opening)
    reply, _ = say(follow_up)
    assert wanted in lead(reply), reply


def test_article_number_without_subject_asks_which_offence(conv):
    say = conv()
    reply, buttons = say("di kuhp baru nomornya jadi berapa?")
    assert "?" in reply and len(buttons) >= 2, reply


def test_sim_class_described_in_words_keeps_the_fee(conv):
    say = conv()
    say("biaya bikin sim c baru berapa")
    reply, _ = say("terus yang buat nyetir di luar negri?")
    assert "Rp250.000" in lead(reply), reply


def test_fact_leads_and_the_safety_line_follows(conv):
    say = conv()
    reply, _ = say("hukuman penganiayaan berapa tahun")
    assert "Pasal 466" in lead(reply), reply
    assert BANTUAN_DARURAT in reply and reply.index("Pasal 466") < reply.index(BANTUAN_DARURAT)


def test_danger_now_puts_110_first_in_any_answer(conv):
    say = conv()
    reply, _ = say("tolong suami saya sekarang lagi mukulin saya, itu kena pasal apa")
    assert reply.startswith(SEGERA), reply


@pytest.mark.parametrize("emergency", [
    "tolong skrg ada orang ditusuk di depan warung darahnya banyak",
    "tulung malinge isih neng njero omah",
])
def test_emergency_inside_the_report_form(conv, emergency):
    say = conv()
    say("saya mau lapor kejadian")
    reply, _ = say(emergency)
    assert reply.startswith(SEGERA) and "118" in reply, reply  # then the numbers we hold
