"""The words of incident reports, in one place: kinds, statuses, channels, the emergency sentence
and the questions both report dialogues ask (the Rasa `lapor_form` in actions/lapor.py and the
Matrix conversation in matrix_bridge/handlers/lapor.py). Standard library only.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

# Incident kinds (canonical value -> label), in the order the Matrix dialogue numbers them.
JENIS: Dict[str, str] = {
    "gangguan_kamtibmas": "Gangguan kamtibmas",
    "kecelakaan_lalu_lintas": "Kecelakaan lalu lintas",
    "bencana_alam": "Bencana alam",
    "lainnya": "Lainnya",
}
# Examples shown next to a kind's label when the user chooses it.
JENIS_CONTOH: Dict[str, str] = {
    "gangguan_kamtibmas": "tawuran, pencurian, keributan",
    "bencana_alam": "banjir, longsor",
}
# The web chat's buttons put traffic accidents first (the most common report from the web).
JENIS_URUTAN_WEB: Tuple[str, ...] = ("kecelakaan_lalu_lintas", "gangguan_kamtibmas", "bencana_alam",
                                     "lainnya")
# Kinds where a person may be in danger right now: the chat shows 110/112 first.
JENIS_DARURAT = frozenset({"gangguan_kamtibmas", "kecelakaan_lalu_lintas", "bencana_alam"})

STATUS: Dict[str, str] = {
    "baru": "Baru",
    "diterima": "Diterima",
    "ditangani": "Sedang ditangani",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
}
TRANSITIONS: Dict[str, frozenset] = {
    "baru": frozenset({"diterima", "ditolak", "ditangani"}),
    "diterima": frozenset({"ditangani", "ditolak", "selesai"}),
    "ditangani": frozenset({"selesai", "ditolak"}),
    "selesai": frozenset(),
    "ditolak": frozenset(),
}
KANAL: Dict[str, str] = {"matrix": "Matrix (Ngobrol Kamtibmas)", "web": "Web chat (Chat Pak Polisi)"}
LAMPIRAN_TIPE = ("foto", "suara", "video", "berkas")

# The emergency sentence every report message ends with.
DARURAT = "Darurat? Telepon 110 atau 112."
# The opening of a report dialogue: when to call instead of writing.
DARURAT_PEMBUKA = ("Jika ada korban, bahaya, atau pelaku masih di lokasi, segera telepon 110 (Polisi) "
                   "atau 112 (gratis, 24 jam).")

# The question for each field of a report (both dialogues).
PROMPT: Dict[str, str] = {
    "jenis": "Kejadian apa yang ingin Anda laporkan? Silakan pilih atau ketik jenis kejadiannya.",
    "lokasi": "Di mana lokasi kejadiannya? Sebutkan nama jalan, desa/kelurahan, kecamatan, atau patokan "
              "terdekat.",
    "waktu": "Kapan kejadiannya? Misalnya \"barusan\", \"tadi pukul 14.00\", atau \"kemarin malam\".",
    "deskripsi": "Ceritakan singkat apa yang terjadi: siapa/apa yang terlibat, apakah ada korban, dan "
                 "kondisi saat ini.",
}


def jenis_label(jenis: Optional[str]) -> str:
    return JENIS.get(jenis or "", jenis or "-")


def status_label(status: Optional[str]) -> str:
    return STATUS.get(status or "", status or "-")


def jenis_pilihan(urutan: Optional[Iterable[str]] = None) -> List[Tuple[str, str]]:
    """(kind, title) for choosing a kind: the label with examples, e.g. 'Bencana alam (banjir, longsor)'."""
    out = []
    for key in urutan or JENIS:
        contoh = JENIS_CONTOH.get(key)
        out.append((key, f"{JENIS[key]} ({contoh})" if contoh else JENIS[key]))
    return out
