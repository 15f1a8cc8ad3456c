"""What the input channels say to users (Indonesian) and to API clients (error codes)."""
from __future__ import annotations

from .limits import MAX_TEXT_CHARS

DARURAT = "Dalam keadaan darurat, segera telepon 110 (Polisi) atau 112."

TOO_LONG = (f"Maaf, pesan Anda terlalu panjang (lebih dari {MAX_TEXT_CHARS} karakter) sehingga "
            "tidak dapat saya proses. Mohon kirim pertanyaan yang lebih singkat, satu pertanyaan "
            "per pesan. " + DARURAT)

FAULT = ("Maaf, Pak Polisi sedang mengalami gangguan teknis dan belum dapat menjawab pertanyaan "
         "Anda. Pesan Anda sudah tercatat; silakan coba lagi beberapa saat lagi. " + DARURAT)

# The message itself could not be handled (e.g. the tracker or lock store is unreachable): it is
# NOT recorded, so the user is asked to send it again (never told it was recorded).
FAULT_RETRY = ("Maaf, Pak Polisi sedang mengalami gangguan teknis sehingga pesan Anda belum dapat "
               "diproses dan belum tercatat. Mohon kirim ulang beberapa saat lagi. " + DARURAT)

INJECTION = ("Maaf, perintah itu tidak dapat digunakan di sini. Silakan tulis pertanyaan Anda "
             "dengan kalimat biasa, misalnya \"syarat SIM baru\". " + DARURAT)

# API errors: {"error": <code>, "pesan": <Indonesian>}
ERRORS = {
    "too_large": "Data terlalu besar.",
    "bad_encoding": "Data harus berupa teks UTF-8 yang valid.",
    "bad_json": "Data harus berupa JSON yang valid.",
    "not_object": "Data harus berupa objek JSON, misalnya {\"sender\": \"...\", \"message\": \"...\"}.",
    "bad_sender": "Kolom \"sender\" wajib diisi berupa teks (paling banyak 255 karakter).",
    "bad_message": "Kolom \"message\" wajib diisi berupa teks yang tidak kosong.",
    "bad_metadata": "Kolom \"metadata\" harus berupa objek JSON yang kecil.",
    "bad_session": "Sesi tidak valid. Muat ulang halaman lalu coba lagi.",
    "bad_request": "Permintaan tidak valid.",
}


def error(code: str) -> dict:
    return {"error": code, "pesan": ERRORS[code]}
