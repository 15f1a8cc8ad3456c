"""actions/urgensi.py: a danger happening now is told apart from a report about the past and
from a legal question, in Indonesian, slang and Javanese (issue 9: an emergency in the middle of
any flow or form gets 110/112 at once). End to end: tests/rasa/test_followups_darurat.py."""
import pytest

from actions.urgensi import SEGERA, is_urgent

URGENT = [
    "tolong ada orang ditusuk di depan warung, darahnya banyak",
    "pak tolong rumah tetangga kebakaran sekarang",
    "ada bocah tenggelam di kali",
    "malinge isih neng njero omah, aku ndelik neng kamar",
    "tulung, wonten tiyang semaput wonten margi",
    "ada yang mau lompat dari jembatan",
    "tolong saya lagi dipukuli suami",
    "skrg ada begal di jalan alas roban, korbannya masih di sini",
]
NOT_URGENT = [
    "kemarin motor saya dicuri di parkiran",
    "mau lapor kecelakaan minggu lalu",
    "aku arep lapor kemalingan",
    "pasal pembunuhan berapa tahun",
    "hukuman orang yang mukul sampai luka",
    "Jl. Gajah Mada depan masjid",
    "sekitar jam 9 pagi",
    "tolong dicatat ya, dompet saya hilang",
    "/lapor_kejadian",
    "",
]


@pytest.mark.parametrize("text", URGENT)
def test_danger_now_is_urgent(text):
    assert is_urgent(text), text


@pytest.mark.parametrize("text", NOT_URGENT)
def test_past_reports_and_legal_questions_are_not(text):
    assert not is_urgent(text), text


def test_the_urgent_line_names_both_numbers():
    assert "110" in SEGERA and "112" in SEGERA
