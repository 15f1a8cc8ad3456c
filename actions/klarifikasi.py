"""`action_klarifikasi`: the answer to `nlu_fallback` (low-confidence messages).

Two stages (never a refusal, never a guessed answer):
1. Ask "Maksud Anda tentang ...?" with quick-reply buttons for the 2-3 most likely topics
   from the NLU ranking of the message (blokir_* and nlu_fallback are never offered).
2. If the previous bot turn was already a clarification, show the main menu and the
   emergency number instead of guessing again.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

# Indonesian button titles for every intent that may be offered.
JUDUL: Dict[Text, Text] = {
    "sapaan_bantuan": "Menu bantuan",
    "sim_biaya": "Biaya SIM",
    "sim_syarat_baru": "Syarat membuat SIM baru",
    "sim_perpanjang": "Perpanjangan SIM",
    "sim_hilang": "SIM hilang atau rusak",
    "sim_golongan": "Golongan SIM",
    "sim_usia": "Batas usia SIM",
    "sim_peningkatan": "Peningkatan golongan SIM",
    "sim_masa_berlaku": "Masa berlaku SIM",
    "sim_online": "Perpanjangan SIM online",
    "sim_keliling": "SIM keliling dan Satpas",
    "sim_ujian": "Ujian dan tes SIM",
    "skck_syarat": "Syarat SKCK",
    "skck_biaya": "Biaya SKCK",
    "skck_masa_berlaku": "Masa berlaku SKCK",
    "skck_perpanjang": "Perpanjangan SKCK",
    "skck_kantor": "Tempat membuat SKCK",
    "skck_online": "SKCK online",
    "layanan_darurat": "Nomor darurat",
    "layanan_laporan_polisi": "Cara membuat laporan polisi",
    "layanan_kehilangan": "Surat keterangan kehilangan",
    "layanan_tilang": "Tilang dan ETLE",
    "layanan_stnk": "STNK dan pajak kendaraan",
    "layanan_izin_keramaian": "Izin keramaian",
    "layanan_pengaduan_petugas": "Pengaduan tentang petugas",
    "layanan_kontak_polres": "Kontak Polres Batang",
    "layanan_operasi": "Operasi kepolisian",
    "pasal_cari": "Mencari pasal",
    "pasal_kuhp_baru": "KUHP baru",
    "lapor_kejadian": "Melaporkan kejadian",
    "lapor_status": "Status laporan saya",
}

# Offered when the ranking gives nothing usable, and at the second stage.
MENU = ["sim_syarat_baru", "skck_syarat", "pasal_cari", "lapor_kejadian"]
# Not worth a button even if ranked (greetings, bare class answers).
TIDAK_DITAWARKAN = {"nlu_fallback", "sapaan_halo", "sapaan_terima_kasih", "sapaan_pamit",
                    "sim_pilih_jenis"}


def kandidat(ranking: List[Dict[Text, Any]], maks: int = 3, min_conf: float = 0.05) -> List[Text]:
    """Likely topics from an intent ranking: no refusals, no fallback, no duplicates."""
    hasil: List[Text] = []
    for item in ranking or []:
        name = str(item.get("name") or "")
        conf = float(item.get("confidence") or 0.0)
        if (
            not name
            or name.startswith("blokir_")
            or name in TIDAK_DITAWARKAN
            or name not in JUDUL
            or name in hasil
        ):
            continue
        if conf < min_conf:
            break
        hasil.append(name)
        if len(hasil) >= maks:
            break
    return hasil


def tombol(intents: List[Text]) -> List[Dict[Text, Text]]:
    return [{"title": JUDUL[i], "payload": f"/{i}"} for i in intents]


def klarifikasi_sebelumnya(tracker: Tracker) -> bool:
    """True if the bot's last action before this user turn was action_klarifikasi."""
    seen_user = False
    for event in reversed(tracker.events or []):
        etype = event.get("event")
        if etype == "user":
            if seen_user:
                return False
            seen_user = True
            continue
        if seen_user and etype == "action":
            name = event.get("name")
            if name in ("action_listen", None):
                continue
            return name == "action_klarifikasi"
    return False


class ActionKlarifikasi(Action):
    def name(self) -> Text:
        return "action_klarifikasi"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            if klarifikasi_sebelumnya(tracker):
                dispatcher.utter_message(
                    text="Mohon maaf, saya masih belum memahami maksud Anda. Silakan pilih salah "
                    "satu topik di bawah ini, atau tulis pertanyaan dengan kata lain. Dalam "
                    "keadaan darurat, segera hubungi 110.",
                    buttons=tombol(MENU + ["layanan_darurat"]),
                )
                return []
            ranking = (tracker.latest_message or {}).get("intent_ranking") or []
            pilihan = kandidat(ranking) or MENU
            judul = [JUDUL[i].lower() for i in pilihan]
            if len(judul) == 1:
                daftar = judul[0]
            else:
                daftar = ", ".join(judul[:-1]) + " atau " + judul[-1]
            dispatcher.utter_message(
                text=f"Mohon maaf, saya belum yakin dengan maksud Anda. Maksud Anda tentang "
                f"{daftar}? Silakan pilih salah satu, atau tulis pertanyaan dengan kata lain.",
                buttons=tombol(pilihan),
            )
        except Exception:  # never leak an error into the chat
            logger.exception("action_klarifikasi failed")
            dispatcher.utter_message(
                text="Mohon maaf, saya belum memahami maksud Anda. Silakan pilih topik di bawah ini.",
                buttons=tombol(MENU),
            )
        return []
