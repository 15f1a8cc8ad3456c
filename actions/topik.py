"""`action_jawab_topik`: answer an informational intent with its knowledge-base entry.

The whole knowledge→reply path for simple topics is the table `ENTRY_BY_INTENT` below plus a
few keyword refinements (e.g. "SKCK untuk WNA" → skck.syarat_wna).
Fee, pasal and local-office questions have their own actions (sim.py, pasal.py, lokal.py).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from actions.common import KnowledgeAction, entry_text, latest_intent, latest_text

ENTRY_BY_INTENT: Dict[Text, Text] = {
    "sapaan_bantuan": "layanan.bantuan",
    "sim_syarat_baru": "sim.syarat_baru",
    "sim_perpanjang": "sim.perpanjang",
    "sim_hilang": "sim.hilang",
    "sim_golongan": "sim.golongan",
    "sim_usia": "sim.usia",
    "sim_peningkatan": "sim.peningkatan",
    "sim_masa_berlaku": "sim.masa_berlaku",
    "sim_online": "sim.online",
    "sim_ujian": "sim.ujian",
    "skck_syarat": "skck.syarat",
    "skck_biaya": "skck.biaya",
    "skck_masa_berlaku": "skck.masa_berlaku",
    "skck_perpanjang": "skck.perpanjang",
    "skck_kantor": "skck.kantor",
    "skck_online": "skck.online",
    "layanan_darurat": "layanan.darurat",
    "layanan_laporan_polisi": "layanan.laporan_polisi",
    "layanan_kehilangan": "layanan.kehilangan",
    "layanan_tilang": "layanan.tilang",
    "layanan_stnk": "layanan.stnk",
    "layanan_izin_keramaian": "layanan.izin_keramaian",
    "layanan_pengaduan_petugas": "layanan.pengaduan_petugas",
    "pasal_kuhp_baru": "pasal.kuhp_baru",
}

# Within an intent, a more specific entry when the message mentions it.
REFINEMENTS: Dict[Text, List[tuple]] = {
    "sim_syarat_baru": [(r"\b(bpjs|jkn)\b", "sim.bpjs")],
    "sim_perpanjang": [(r"\b(bpjs|jkn)\b", "sim.bpjs")],
    "sim_masa_berlaku": [(r"\bpoin\b", "sim.poin")],
    "layanan_tilang": [(r"\bpoin\b", "sim.poin"), (r"\betle\b|tilang elektronik|kamera", "layanan.etle")],
    "skck_syarat": [(r"\bwna\b|warga (negara )?asing|orang asing|\bexpat|\bforeign", "skck.syarat_wna")],
}

# Quick replies under the help menu (payloads skip NLU).
MENU_BUTTONS = [
    {"title": "Biaya SIM", "payload": "/sim_biaya"},
    {"title": "Syarat SIM baru", "payload": "/sim_syarat_baru"},
    {"title": "Syarat SKCK", "payload": "/skck_syarat"},
    {"title": "Nomor darurat", "payload": "/layanan_darurat"},
    {"title": "Cara membuat laporan", "payload": "/layanan_laporan_polisi"},
    {"title": "KUHP baru", "payload": "/pasal_kuhp_baru"},
]

# Entries about the law get the general-information disclaimer.
LEGAL_ENTRIES = {"pasal.kuhp_baru"}


def entry_id_for(intent: Text, text: Text) -> Text | None:
    for pattern, entry_id in REFINEMENTS.get(intent, []):
        if re.search(pattern, text, flags=re.IGNORECASE):
            return entry_id
    return ENTRY_BY_INTENT.get(intent)


class ActionJawabTopik(KnowledgeAction):
    def name(self) -> Text:
        return "action_jawab_topik"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        from knowledge import format as kf

        intent = latest_intent(tracker)
        entry_id = entry_id_for(intent, latest_text(tracker))
        text = entry_text(kb, entry_id) if entry_id else None
        if text is None:
            dispatcher.utter_message(
                text="Mohon maaf, informasi tentang hal itu belum tersedia di data kami. "
                "Silakan tanyakan langsung ke kantor polisi terdekat atau hubungi 110."
            )
            return []
        if entry_id in LEGAL_ENTRIES and kf.DISCLAIMER not in text:
            text = f"{text}\n\n{kf.DISCLAIMER}"
        if intent == "sapaan_bantuan":
            dispatcher.utter_message(text=text, buttons=MENU_BUTTONS)
        else:
            dispatcher.utter_message(text=text)
        return []
