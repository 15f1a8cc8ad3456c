"""Issue 10 end to end: one natural question per audit correction, asked through the REAL running
bot (trained Rasa model + action server, REST channel), and the answer checked for what applies now,
what applied before, and honest uncertainty. Help-when-it-matters answers (110/112, SPKT, Unit PPA,
SAPA 129) and the "not available yet" message are checked the same way.

Operator-set local values (Satpas / SKCK hours) need a filled config: those cases use an extra
action server started with POLRES_CONFIG pointing at a filled copy (as tests/rasa/test_actions.py).
"""
from __future__ import annotations

import json
import tempfile
import urllib.request
import uuid
from pathlib import Path

import pytest

from devtools.net import free_port
from knowledge import format as kf
from knowledge import load_kb
from scripts import servers

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(300)

HELP = kf.BANTUAN_DARURAT
NOW = "Yang berlaku sejak 2 Januari 2026 adalah"


def ask(chat, text: str) -> str:
    messages = chat(f"test-koreksi-{uuid.uuid4().hex[:12]}", text)
    return "\n".join(m.get("text") or "" for m in messages)


def before(reply: str, first: str, second: str) -> bool:
    return first in reply and second in reply and reply.index(first) < reply.index(second)


# (question, must contain, must not contain, [(earlier, later)] order checks)
CASES = {
    "tipikor_603": (
        "pasal 2 uu tipikor",
        [f"{NOW} Pasal 603 KUHP baru", "Sebelum 2 Januari 2026 berlaku Pasal 2 ayat (1) UU 31/1999",
         "Pasal 622", "Catatan: informasi ini belum dapat kami pastikan"],
        [], [(f"{NOW} Pasal 603", "Sebelum 2 Januari 2026 berlaku Pasal 2 ayat (1)")]),
    "tipikor_korupsi_kata": (
        "apa hukuman korupsi dana desa?",
        ["Pasal 603 KUHP baru", "Sebelum 2 Januari 2026 berlaku Pasal 2 ayat (1)"], [], []),
    "tipikor_suap_605": (
        "apa hukuman menyuap pejabat?",
        [f"{NOW} Pasal 605 KUHP baru", "Sebelum 2 Januari 2026 berlaku Pasal 5 ayat (1)"], [], []),
    "ite_27b_delik_aduan": (
        "pasal ancam sebar foto",
        ["Pasal 27B ayat (2)", "delik aduan", "Pasal 45 ayat (11)", HELP], [], []),
    "kuhp_369_delik_aduan": (
        "pasal 369 kuhp",
        ["Pasal 369 KUHP lama", "delik aduan", "369 ayat (2)", "Pasal 483", HELP],
        ["sekitar"], []),
    "kealpaan_474_3": (
        "pasal kelalaian yang menyebabkan orang meninggal",
        ["Pasal 474 ayat (3) KUHP baru", "paling lama 5 tahun", "kategori V"], [], []),
    "judi_pemain_427": (
        "apa hukuman untuk orang yang main judi online?",
        [f"{NOW} Pasal 427 KUHP baru", "paling lama 3 tahun", "kategori III"],
        [f"{NOW} Pasal 426"], []),
    "judi_bandar_426": (
        "hukuman bandar judi togel",
        [f"{NOW} Pasal 426 KUHP baru", "paling lama 9 tahun", "kategori VI"], [], []),
    "akta_392_1": (
        "pasal memalsukan akta kelahiran",
        [f"{NOW} Pasal 392 ayat (1) KUHP baru", "paling lama 8 tahun"], ["Pasal 391 KUHP baru (UU"], []),
    "ite_45_6": (
        "pasal 27A uu ite",
        ["Pasal 27A jo. Pasal 45 ayat (4)", "Rp400 juta", "Pasal 45 ayat (6)", "Rp750 juta"], [],
        [("Rp400 juta", "Pasal 45 ayat (6)")]),
    "ite_45a": (
        "pasal 28 ayat 2 uu ite",
        ["Pasal 28 ayat (2) jo. Pasal 45A ayat (2)", "paling lama 6 tahun", "Rp1 miliar"],
        ["belum terverifikasi"], []),
    "pengeroyokan_262": (
        "pasal pengeroyokan",
        [f"{NOW} Pasal 262 ayat (1) KUHP baru", HELP],
        ["Perhatian:", "Catatan: informasi ini belum"], []),
    "llaj_kurungan": (
        "hukuman nyetir tanpa sim",
        ["Pasal 281", "pidana kurungan untuk pelanggaran ini sudah dihapus", "belum kami pastikan",
         "Sebelum 2 Januari 2026 ancamannya kurungan paling lama 4 bulan",
         "sudah berubah sejak 2 Januari 2026"],
        ["sedang berubah"], [("sudah dihapus", "kurungan paling lama 4 bulan")]),
    "kdrt": (
        "pasal suami mukul istri",
        ["Pasal 44 ayat (1) UU 23/2004", "belum kami pastikan", "Sebelum 2 Januari 2026 ancamannya",
         "Rp15.000.000", HELP, "SPKT", "Unit PPA", "SAPA 129"],
        ["sedang berubah"], [("Pasal 44 ayat (1)", HELP), (HELP, "• "), ("belum kami pastikan", "Rp15.000.000")]),
    "ite_ancaman_kekerasan": (
        "pasal diancam dibunuh lewat whatsapp",
        ["Pasal 29 jo. Pasal 45B", "UU 1/2026", HELP], [], []),
    "perkosaan_help": (
        "hukuman pemerkosaan",
        [HELP, "SAPA 129", "Unit PPA"], [], [(HELP, "• ")]),
    "begal_help": (
        "hukuman begal",
        [HELP, "Pasal 479 KUHP baru"], [], []),
    "sim_masa_berlaku": (
        "sim saya habis pas tanggal merah, berapa lama masa berlaku sim?",
        ["5 tahun", "Tidak ada aturan tetap", "Keputusan Kakorlantas"],
        ["sesuai Keputusan Kakorlantas."], []),
    "sim_perpanjang": (
        "apa saja syarat perpanjang sim?",
        ["Perpanjangan dilayani di Satpas", "belum kami pastikan", "Perhatian:"],
        ["Satpas atau SIM keliling"], []),
    "skck_syarat": (
        "apa saja syarat membuat skck?",
        ["BPJS Kesehatan (di Polda Jawa Tengah diminta sejak 1 Maret 2024; penerapannya secara "
         "nasional belum kami pastikan)", "Perhatian:"], [], []),
    "skck_perpanjang": (
        "syarat perpanjang skck apa saja?",
        ["penerapannya secara nasional belum kami pastikan", "Catatan: informasi ini belum"], [], []),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_correction_end_to_end(chat, case):
    question, wanted, unwanted, order = CASES[case]
    reply = ask(chat, question)
    for text in wanted:
        assert text in reply, f"{case}: {text!r} missing in reply to {question!r}:\n{reply}"
    for text in unwanted:
        assert text not in reply, f"{case}: {text!r} must not be in reply to {question!r}:\n{reply}"
    for first, second in order:
        assert before(reply, first, second), f"{case}: {first!r} must come before {second!r}:\n{reply}"
    if HELP in reply:
        assert reply.count(HELP) == 1, reply
    for line in reply.split("\n"):  # no doubled punctuation ("…KDRT: bila korban…: penjara")
        assert "::" not in line and (not line.startswith("• ") or line.count(": ") <= 1), line


def test_kdrt_number_lookup_keeps_one_help_line(chat):
    reply = ask(chat, "pasal 44 uu kdrt")
    assert "Pasal 44 ayat (4)" in reply and "Pasal 44 ayat (1)" in reply, reply
    assert reply.count(HELP) == 1 and reply.count(kf.DISCLAIMER) == 1, reply


def test_missing_local_info_points_to_the_office_not_110(chat):
    kb = load_kb()
    if kb.upcoming_sim_keliling():
        pytest.skip("repo config has a SIM keliling schedule")
    reply = ask(chat, "jadwal sim keliling minggu ini di mana?")
    assert "belum tersedia" in reply and "Mapolres Batang" in reply, reply
    assert "110 hanya untuk keadaan darurat" in reply, reply
    assert "hubungi 110" not in reply, reply


# ---------------------------------------------------------------- operator-set local values
@pytest.fixture(scope="module")
def filled_actions():
    tmp = Path(tempfile.mkdtemp(prefix="koreksi-actions-"))
    cfg = tmp / "polres-filled.yml"
    cfg.write_text(
        "nama: Polres Batang\n"
        "diperbarui: '2026-11-01'\n"
        "kontak:\n  telepon: (0285) 000-UJI\n"
        "lokasi:\n  satpas: Gedung Uji Satpas\n  skck: Loket Uji SKCK\n"
        "jam_layanan:\n  satpas: Senin-Jumat 00.00-00.00 (uji)\n  skck: Senin-Kamis 00.00-00.00 (uji)\n",
        encoding="utf-8")
    stack = servers.Stack(tmp / "logs")
    try:
        yield servers.start_actions(stack, free_port(), {"POLRES_CONFIG": str(cfg)})
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def domain() -> dict:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "rasa_project" / "domain")).as_dict()


def run_action(url: str, domain: dict, action: str, intent: str, text: str) -> str:
    tracker = {
        "sender_id": "koreksi", "slots": {}, "latest_message": {
            "text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
        "latest_event_time": None, "followup_action": None, "paused": False, "events": [],
        "latest_input_channel": "rest", "latest_action_name": "action_listen",
        "latest_action": {"action_name": "action_listen"}, "active_loop": {},
    }
    body = {"next_action": action, "sender_id": "koreksi", "tracker": tracker, "domain": domain,
            "version": "3.6.2"}
    req = urllib.request.Request(f"{url}/webhook", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return "\n".join(m.get("text") or "" for m in json.loads(r.read())["responses"])


@pytest.mark.parametrize("intent,shown,hidden", [
    ("sim_syarat_baru", ["Gedung Uji Satpas", "Senin-Jumat 00.00-00.00 (uji)"], ["Loket Uji SKCK"]),
    ("sim_perpanjang", ["Gedung Uji Satpas", "Senin-Jumat 00.00-00.00 (uji)"], ["Loket Uji SKCK"]),
    ("skck_syarat", ["Loket Uji SKCK", "Senin-Kamis 00.00-00.00 (uji)"], ["Gedung Uji Satpas"]),
    ("skck_perpanjang", ["Loket Uji SKCK", "Senin-Kamis 00.00-00.00 (uji)"], ["Gedung Uji Satpas"]),
])
def test_local_values_appear_in_sim_and_skck_answers(filled_actions, domain, intent, shown, hidden):
    reply = run_action(filled_actions, domain, "action_jawab_topik", intent, "syarat")
    for text in shown + ["data per 1 November 2026"]:
        assert text in reply, (intent, text, reply)
    for text in hidden:
        assert text not in reply, (intent, text, reply)


def test_sim_keliling_missing_schedule_names_the_operator_contact(filled_actions, domain):
    reply = run_action(filled_actions, domain, "action_info_lokal", "sim_keliling", "jadwal sim keliling")
    assert "belum tersedia" in reply and "(0285) 000-UJI" in reply and "hubungi 110" not in reply, reply
