"""`action_blokir_melanggar_hukum`: refuse a request to break the law, politely, and point to
the lawful route when there is one (ETLE/tilang: pay the fine; bribery/calo: report to Propam;
drugs: rehabilitation; documents/SIM: the official procedure; hacking/fraud victims: report).

The other refusals are plain responses (utter_blokir_gaji, utter_blokir_pribadi,
utter_blokir_luar_topik in rasa_project/domain/blokir.yml).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

PEMBUKA = "Mohon maaf, saya tidak dapat membantu permintaan yang melanggar hukum."

# (pattern, lawful route sentence, buttons). First match wins; order matters.
JALUR_RESMI: List[Tuple[Text, Text, List[Dict[Text, Text]]]] = [
    (
        r"nyogok|sogok|suap|damai|uang damai|pelicin|titip|orang dalam|nitip",
        "Jika ada petugas yang meminta atau menawarkan uang, Anda dapat melaporkannya ke Propam "
        "atau Saber Pungli. Saya bisa menjelaskan cara pengaduannya.",
        [{"title": "Cara lapor pungli / Propam", "payload": "/layanan_pengaduan_petugas"}],
    ),
    (
        r"etle|tilang|razia|kamera|plat|kabur dari polisi|diberhentikan|knalpot|pajak",
        "Jika Anda terkena tilang atau ETLE, cara yang sah adalah menyelesaikannya dengan membayar "
        "denda resmi. Lengkapi juga surat kendaraan dan SIM agar aman saat ada pemeriksaan.",
        [
            {"title": "Cara bayar tilang / ETLE", "payload": "/layanan_tilang"},
            {"title": "Pajak / STNK", "payload": "/layanan_stnk"},
        ],
    ),
    (
        r"sim tembak|tanpa tes|tanpa ujian|lulus|calo|sim palsu|ujian",
        "SIM hanya sah bila diperoleh lewat ujian resmi di Satpas. Saya bisa menjelaskan syarat "
        "dan ujian SIM yang resmi.",
        [
            {"title": "Syarat SIM baru", "payload": "/sim_syarat_baru"},
            {"title": "Ujian SIM", "payload": "/sim_ujian"},
        ],
    ),
    (
        r"sabu|ganja|narkoba|narkotika|obat terlarang|tramadol|pil|tes urin|miras",
        "Jika Anda atau keluarga membutuhkan pertolongan karena narkoba, tersedia layanan "
        "rehabilitasi melalui BNN (Badan Narkotika Nasional) atau Institusi Penerima Wajib Lapor "
        "(IPWL) seperti puskesmas dan rumah sakit yang ditunjuk. Jika mengetahui peredaran "
        "narkoba, Anda dapat melaporkannya.",
        [{"title": "Lapor kejadian", "payload": "/lapor_kejadian"}],
    ),
    (
        r"skck|catatan kriminal|ktp palsu|surat|ijazah|dokumen|stnk|tanda tangan|palsu",
        "Dokumen hanya sah bila diurus lewat prosedur resmi. Saya bisa menjelaskan syarat SKCK "
        "atau cara mengurus surat kehilangan.",
        [
            {"title": "Syarat SKCK", "payload": "/skck_syarat"},
            {"title": "Surat kehilangan", "payload": "/layanan_kehilangan"},
        ],
    ),
    (
        r"hack|retas|bobol|sadap|carding|virus|akun|database|server",
        "Jika akun atau data Anda sendiri diretas, atau Anda menjadi korban penipuan online, "
        "Anda dapat membuat laporan polisi.",
        [{"title": "Cara membuat laporan polisi", "payload": "/layanan_laporan_polisi"}],
    ),
]

UMUM = (
    "Jika Anda sedang menghadapi masalah atau ancaman, silakan laporkan ke polisi; dalam keadaan "
    "darurat hubungi 110.",
    [
        {"title": "Lapor kejadian", "payload": "/lapor_kejadian"},
        {"title": "Nomor darurat", "payload": "/layanan_darurat"},
    ],
)


def jalur_resmi(text: Text) -> Tuple[Text, List[Dict[Text, Text]]]:
    """Lawful-route sentence and buttons for a refused message."""
    lowered = (text or "").lower()
    for pattern, kalimat, buttons in JALUR_RESMI:
        if re.search(pattern, lowered):
            return kalimat, buttons
    return UMUM


class ActionBlokirMelanggarHukum(Action):
    def name(self) -> Text:
        return "action_blokir_melanggar_hukum"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        try:
            kalimat, buttons = jalur_resmi(text)
        except Exception:  # never leak an error into the chat
            logger.exception("action_blokir_melanggar_hukum failed")
            kalimat, buttons = UMUM
        dispatcher.utter_message(text=f"{PEMBUKA} {kalimat}", buttons=buttons)
        return []
