"""Issue 9, third round: a specific question leads with the fact it asks for, also when the NLU
placed it badly (actions/fokus.py, knowledge/focus.py). Real conversations through the running
Rasa server and action server with the trained model. Developer wording; the independent
evaluation sets live in tests/nlu/ and are never used here.
"""
from __future__ import annotations

import pytest

from devtools.replies import REFUSAL_MARKERS, lead

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("question, expected", [
    # a sentence inside the entry the NLU chose
    ("skck online bayarnya lewat mana", "BRIVA"),
    ("lapor polisi itu bayar gak sih", "tidak dipungut biaya"),
    # a fine question naming a traffic offence: its article, whatever the NLU thought
    ("denda nyetir mobil ga pakai seatbelt berapa", "289"),
    ("kalau bawa motor belum punya sim dendanya berapa", "281"),
    # the number of a law is not an article number
    ("KUHAP yang baru itu UU nomor berapa", "20/2025"),
    # "umur min" is the minimum age here, not the admin's age
    ("umur min buat sim cii", "19"),
])
def test_the_fact_asked_for_leads(conv, question, expected):
    reply, _ = conv()(question)
    assert not any(m in reply for m in REFUSAL_MARKERS), reply
    assert expected in lead(reply), reply


def test_an_unclear_message_without_a_fact_is_asked_back_never_guessed(conv):
    reply, buttons = conv()("trus yang itu gimana ya")
    assert buttons or "?" in lead(reply), reply
    assert "Rp" not in reply and "Pasal" not in lead(reply), reply


def test_a_named_topic_keeps_another_topics_fact_out(conv):
    reply, _ = conv()("skck yg udah jadi berlakunya sampe kapan")
    assert "6 bulan" in reply.split("\n\n")[0], reply
    assert "2 Januari 2026" not in lead(reply), reply


def test_a_penalty_question_taken_for_a_report_gets_the_article_and_the_way_to_report(conv):
    reply, _ = conv()("ngrusak motor tetangga kena apa")
    assert "Pasal" in lead(reply) and "Perusakan" in lead(reply), reply
    assert "saya mau lapor" in reply and "Kejadian apa" not in reply, reply


@pytest.mark.parametrize("first, follow_up, expected", [
    ("biaya bikin sim a baru", "klo perpanjangannya?", "80.000"),
    ("syarat bikin skck", "klo mau perpanjang?", "SKCK lama"),
    ("berapa biaya bikin skck", "kalau perpanjang?", "Rp30.000"),
])
def test_the_other_service_keeps_the_attribute(conv, first, follow_up, expected):
    say = conv()
    say(first)
    reply, _ = say(follow_up)
    assert expected in reply[:200], reply  # in the lead, as the fact-set checks it
