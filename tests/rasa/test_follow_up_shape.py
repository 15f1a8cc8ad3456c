"""nlu_components/follow_up_shape.py: a short follow-up about the domain is not refused for
what it does not ask, while real refusals keep their blokir_* intent (issue 9). The trained
model with this component is exercised end to end in tests/rasa/test_followups_shape.py."""
import pytest

from nlu_components.follow_up_shape import load_shape

SHAPE = load_shape()

TAKEN_BACK = [
    ("blokir_melanggar_hukum", "kalau nyerobot lampu merah?"),
    ("blokir_luar_topik", "terus kalau gagal ujian praktik?"),
    ("blokir_luar_topik", "nek ujiane gagal iso ngulang?"),
    ("blokir_pribadi", "kalau korbannya istri sendiri sampai meninggal, hukumannya?"),
    ("blokir_melanggar_hukum", "klo nadah barang curian?"),
]
KEPT = [
    ("blokir_gaji", "kalau gaji kapolsek?"),
    ("blokir_pribadi", "kalau anaknya pak kapolres?"),
    ("blokir_pribadi", "kalau istri polisi itu dipenjara?"),
    ("blokir_melanggar_hukum", "kalau nerobos lampu merah biar ga ketahuan caranya?"),
    ("blokir_melanggar_hukum", "kalau mau bikin sim tanpa tes gimana?"),
    ("blokir_luar_topik", "kalau resep soto batang?"),
    ("blokir_luar_topik", "jadwal bola nanti malam"),
    ("blokir_luar_topik", "kalau harga emas hari ini sampai berapa ya kira kira min"),
    ("pasal_cari", "kalau pencurian?"),
]


@pytest.mark.parametrize("intent,text", TAKEN_BACK)
def test_short_domain_follow_ups_are_taken_back(intent, text):
    assert SHAPE.takes_back(intent, text), text


@pytest.mark.parametrize("intent,text", KEPT)
def test_refusals_and_other_intents_are_kept(intent, text):
    assert not SHAPE.takes_back(intent, text), text
