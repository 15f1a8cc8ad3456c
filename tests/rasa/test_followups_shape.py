"""Issue 9, second round: follow-ups that the NLU alone would refuse, send to a report, or answer
with a general entry, keep the conversation's subject. Real conversations through the running
Rasa server and action server with the trained model. Developer tests with the developer's own
wording; the independent evaluation sets live in tests/nlu/ and are never used here.
"""
from __future__ import annotations

import pytest

from actions.urgensi import SEGERA
from devtools.replies import REFUSAL_MARKERS, lead
from knowledge.format import BANTUAN_DARURAT

pytestmark = pytest.mark.timeout(300)


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


@pytest.mark.parametrize("opening,follow_up,wanted", [
    # a condition with a linked record leads with that record's article
    ("pasal buat orang yang mencuri", "kalau nyurinya tengah malam masuk rumah?", "Pasal 477"),
    ("pencemaran nama baik secara lisan pasal berapa", "kalau lewat selebaran?", "433 ayat (2)"),
    # the other code, in other words
    ("pasal 338 itu apa", "lha saiki neng kuhp anyar nomer piro", "458"),
    ("pasal pemalsuan surat apa", "sebelum kuhp baru berlaku dulu nomornya berapa", "263"),
    # a SIM class described in words keeps the fee
    ("biaya bikin sim c baru berapa", "terus yang buat nyetir di luar negri?", "Rp250.000"),
])
def test_follow_up_leads_with_the_fact(conv, opening, follow_up, wanted):
    say = conv()
    say(opening)
    reply, _ = say(follow_up)
    assert wanted in lead(reply), reply


def test_article_number_without_subject_asks_which_offence(conv):
    say = conv()
    reply, buttons = say("di kuhp baru nomornya jadi berapa?")
    assert "?" in reply and len(buttons) >= 2, reply


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
