"""Follow-up questions keep their subject: real multi-turn conversations through the running
Rasa server (REST webhook) and action server, with the trained model.

Patterns: another attribute of the same subject, the same attribute of another item (SIM class,
offence), the other KUHP, a condition of the same offence, a follow-up without a subject,
a new subject replacing the old one, goodbye only on a clear goodbye, an emergency inside a
form, a refusal in the middle of a conversation, and specific facts that lead the answer.
Written by the developer of the follow-up design (development tests, not the independent
evaluation sets in tests/nlu/).
"""
from __future__ import annotations

import pytest

from devtools.replies import REFUSAL_MARKERS

pytestmark = pytest.mark.timeout(300)

PAMIT = "Sampai jumpa, tetap jaga keamanan"


def first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def not_refused(reply: str):
    assert not any(m in reply for m in REFUSAL_MARKERS), reply
    assert PAMIT not in reply, reply


# ---------------------------------------------------------------- another attribute, same subject
@pytest.mark.parametrize("opening,follow_up", [
    ("syarat bikin skck apa aja?", "biayanya?"),
    ("syarat skck apa wae", "biayane piro?"),
    ("skck itu syaratnya apa ya min", "trs bayarnya brp"),
    ("persyaratan skck menapa mawon", "pinten biayanipun?"),
])
def test_skck_fee_after_requirements(conv, opening, follow_up):
    say = conv()
    say(opening)
    reply, _ = say(follow_up)
    assert "Rp30.000" in reply, reply
    assert "golongan apa" not in reply


def test_skck_attributes_chain(conv):
    say = conv()
    say("biaya skck berapa?")
    valid, _ = say("berlakunya berapa lama?")
    assert "6 bulan" in valid
    online, _ = say("bisa online gak?")
    assert "Presisi" in online
    where, _ = say("ngurusnya di mana?")
    assert "Polsek" in where and "Polres" in where


def test_sim_attributes_chain(conv):
    say = conv()
    say("syarat perpanjang sim apa saja")
    valid, _ = say("masa berlakunya?")
    assert "5 tahun" in valid
    online, _ = say("bisa online?")
    assert "SINAR" in online


# ---------------------------------------------------------------- same attribute, another item
@pytest.mark.parametrize("other,expected", [("kalau SIM A?", "SIM A adalah 17 tahun"),
                                            ("klo sim b2 umum?", "SIM BII Umum adalah 23 tahun"),
                                            ("nek sim CII piye?", "SIM CII adalah 19 tahun")])
def test_age_of_another_class(conv, other, expected):
    say = conv()
    first, _ = say("umur minimal bikin sim c berapa?")
    assert "17 tahun" in first
    reply, _ = say(other)
    assert expected in first_line(reply), reply
    assert "Rp" not in first_line(reply)


def test_fee_of_another_class(conv):
    say = conv()
    say("biaya bikin sim c baru berapa")
    reply, _ = say("kalau sim A?")
    assert "Rp120.000" in reply and "Rp100.000" not in reply


def test_another_offence_same_question(conv):
    say = conv()
    say("hukuman penganiayaan berapa tahun?")
    reply, _ = say("kalau pencurian?")
    assert "476" in reply
    not_refused(reply)


# ---------------------------------------------------------------- the other code
@pytest.mark.parametrize("follow_up", ["kalau di KUHP baru pasal berapa?", "klo kuhp baru?",
                                       "nek neng kuhp anyar pasal piro?"])
def test_new_code_after_old_number(conv, follow_up):
    say = conv()
    say("pasal 362")
    reply, _ = say(follow_up)
    assert "476" in first_line(reply), reply
    assert "belum menemukan" not in reply


def test_old_code_after_offence(conv):
    say = conv()
    say("hukuman penipuan apa")
    reply, _ = say("kalau di kuhp lama?")
    assert "378" in first_line(reply), reply


# ---------------------------------------------------------------- conditions of the same offence
@pytest.mark.parametrize("opening,condition,expected", [
    ("hukuman penganiayaan apa?", "kalau korbannya meninggal?", "7 tahun"),
    ("pasal mukulin orang apa", "klo sampe mati gmn", "7 tahun"),
    ("hukuman penganiayaan apa?", "kalau direncanakan?", "467"),
    ("hukuman pembunuhan", "kalau direncanakan?", "459"),
    ("hukuman nyolong motor", "kalau malam hari?", "477"),
    ("hukuman pencurian apa", "kalau barangnya murah?", "478"),
    ("pasal maling apa", "nek regane murah?", "478"),
    ("hukuman pencurian apa", "kalau pakai kekerasan?", "479"),
])
def test_condition_of_offence(conv, opening, condition, expected):
    say = conv()
    say(opening)
    reply, _ = say(condition)
    # a sentence about the condition leads, then the record (pasal numbers) follows
    assert not first_line(reply).startswith("*"), reply
    assert expected in reply, reply
    not_refused(reply)


def test_condition_not_in_data_is_said_honestly(conv):
    say = conv()
    say("hukuman begal apa")
    reply, _ = say("kalau korbannya meninggal?")
    assert "belum memuat" in reply
    not_refused(reply)


# ---------------------------------------------------------------- no subject yet: ask, never guess
@pytest.mark.parametrize("text", ["biayanya?", "syaratnya apa aja?", "berlakunya berapa lama?"])
def test_follow_up_without_subject_asks(conv, text):
    say = conv()
    reply, buttons = say(text)
    assert buttons, reply
    assert "Rp" not in reply
    not_refused(reply)


# ---------------------------------------------------------------- a new subject replaces the old
def test_new_subject_replaces_old(conv):
    say = conv()
    say("syarat skck apa")
    say("mau perpanjang sim")
    reply, buttons = say("biayanya?")
    assert "Rp30.000" not in reply
    assert "golongan apa" in reply and buttons


# ---------------------------------------------------------------- goodbye only when clear
@pytest.mark.parametrize("goodbye", ["dadah pak", "pamit dulu ya min", "wis ya, pareng rumiyin"])
def test_clear_goodbye(conv, goodbye):
    say = conv()
    say("hukuman penganiayaan apa?")
    reply, _ = say(goodbye)
    assert PAMIT in reply, reply


# ---------------------------------------------------------------- emergency inside forms
def test_emergency_while_asked_for_sim_class(conv):
    say = conv()
    ask, _ = say("biaya sim berapa?")
    assert "golongan apa" in ask
    reply, _ = say("tolong darurat ada kecelakaan, nomor polisi berapa?")
    assert "110" in reply and "112" in reply


def test_emergency_inside_report_form(conv):
    say = conv()
    say("saya mau lapor kejadian")
    reply, _ = say("nomor darurat polisi berapa?")
    assert "110" in reply and "112" in reply


# ---------------------------------------------------------------- refusals mid-conversation
def test_refusal_mid_conversation_then_continue(conv):
    say = conv()
    say("syarat skck apa")
    refused, _ = say("berapa gaji kapolres batang?")
    assert any(m in refused for m in REFUSAL_MARKERS), refused
    reply, _ = say("biayanya?")
    assert "Rp30.000" in reply


# ---------------------------------------------------------------- specific facts lead the answer
@pytest.mark.parametrize("question,lead", [
    ("surat keterangan sehat buat sim berlaku berapa lama?", "14 hari"),
    ("nilai lulus ujian teori sim berapa?", "70"),
    ("sim dicabut kalau poinnya berapa?", "18"),
    ("denda kategori V berapa?", "Rp500.000.000"),
    ("kapan kuhp baru mulai berlaku?", "2 Januari 2026"),
    ("sertifikat psikologi untuk sim berlaku berapa lama", "6 bulan"),
])
def test_fact_leads(conv, question, lead):
    say = conv()
    reply, _ = say(question)
    assert lead in first_line(reply), reply


@pytest.mark.parametrize("question,expected", [
    ("daerah rawan longsor di batang mana saja?", "Blado"),
    ("apa benar skck mau dihapus?", "Menteri HAM"),
    ("apa itu delik aduan?", "pengaduan"),
    ("surat pengantar kelurahan masih perlu buat skck?", "pengantar"),
])
def test_entries_now_reachable(conv, question, expected):
    say = conv()
    reply, _ = say(question)
    assert expected in reply, reply
