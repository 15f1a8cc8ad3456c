"""Every sentence about a handoff: what the citizen reads (web or Matrix) and what the operators
read in #operator-polres. Indonesian; facts (hours, phone) only from config/polres.yml."""
from __future__ import annotations

import datetime as dt

from . import hours
from .store import ticket_code

DARURAT = "Dalam keadaan darurat, segera telepon 110 (Polisi) atau 112 (nomor darurat terpadu)."
BATAL = ("batal", "tidak", "tdk", "gak", "nggak", "ga", "enggak", "ndak", "mboten", "cancel")


def _jam() -> str:
    jam = hours.office_hours()
    telp = hours.office_phone()
    kantor = (f"Jam layanan kantor Polres Batang: {jam}." if jam else
              "Jam layanan kantor Polres Batang belum tersedia di data kami.")
    if telp:
        kantor += f" Telepon kantor: {telp}."
    return kantor


def diteruskan(ticket: dict, timeout_s: float) -> str:
    lama = f"{round(timeout_s)} detik" if timeout_s < 60 else f"{round(timeout_s / 60)} menit"
    return (f"Baik, permintaan Anda sudah kami teruskan ke petugas piket Polres Batang "
            f"(tiket {ticket_code(ticket['id'])}). Mohon tunggu sebentar: bila dalam {lama} "
            "belum ada petugas yang menjawab, kami beri tahu. Mulai sekarang pesan Anda langsung "
            f"dibaca petugas, bukan bot. {DARURAT}")


def sudah_ada(ticket: dict) -> str:
    return (f"Permintaan Anda ({ticket_code(ticket['id'])}) masih menunggu petugas. Silakan tulis "
            f"pesan Anda; pesan langsung diteruskan ke petugas. {DARURAT}")


def tidak_ada_petugas(alasan: str) -> str:
    pembuka = ("Mohon maaf, saat ini di luar jam layanan petugas chat." if alasan == "luar_jam" else
               "Mohon maaf, saat ini belum ada petugas yang dapat menjawab.")
    jam = hours.service_hours()
    jam_chat = f" Petugas chat melayani pada {jam}." if jam and alasan == "luar_jam" else ""
    return (f"{pembuka}{jam_chat} {_jam()} {DARURAT}\n\nBila ingin meninggalkan pesan untuk petugas, "
            "tulis pesan Anda sekarang (satu pesan) dan kami teruskan; petugas menindaklanjutinya "
            "pada jam layanan. Ketik \"batal\" bila tidak jadi, lalu Anda bisa bertanya lagi kepada bot.")


def titipan_diterima() -> str:
    return ("Terima kasih, pesan Anda sudah kami teruskan ke petugas Polres Batang. Sekarang Anda "
            f"kembali dilayani Chat Pak Polisi (bot); silakan bertanya lagi bila perlu. {DARURAT}")


def titipan_batal() -> str:
    return "Baik, tidak ada pesan yang diteruskan. Silakan bertanya lagi kepada saya (bot)."


def diambil(nama: str) -> str:
    return (f"Anda sekarang terhubung dengan petugas {nama} dari Polres Batang. Silakan sampaikan "
            "pertanyaan atau keluhan Anda.")


def dikembalikan() -> str:
    return ("Percakapan dengan petugas sudah selesai. Terima kasih. Sekarang Anda kembali dilayani "
            "Chat Pak Polisi (bot); silakan bertanya lagi bila perlu.")


def tidak_tersedia() -> str:
    return ("Mohon maaf, layanan sambung ke petugas sedang tidak dapat dihubungi. Silakan coba lagi "
            f"beberapa saat lagi. {_jam()} {DARURAT}")


def tertunda() -> str:
    return ("Pesan Anda sudah kami terima dan segera diteruskan ke petugas; sistem kami sedang "
            f"memulihkan sambungan. Tidak perlu mengirim ulang. {DARURAT}")


# ---------------------------------------------------------------------- operators (Matrix)
def _waktu(ts: float | None) -> str:
    if not ts:
        return "-"
    return dt.datetime.fromtimestamp(ts, hours.TZ).strftime("%d-%m-%Y %H.%M.%S WIB")


KANAL = {"web": "web chat", "matrix": "Matrix"}


def ticket_root(t: dict) -> str:
    lines = [f"🙋 Permintaan bicara dengan petugas — {ticket_code(t['id'])}",
             f"Kanal: {KANAL.get(t['kanal'], t['kanal'])}",
             f"Warga: {t['label']}",
             f"Perihal: {t['subjek']}",
             f"Diminta: {_waktu(t['diminta'])}"]
    if t.get("status") == "titip":
        lines.append("⚠️ Di luar jam layanan: warga sudah diberi jam layanan dan boleh menitip pesan.")
    if t.get("giliran"):
        lines += ["", "Percakapan terakhir (data pribadi disamarkan):"]
        lines += [f"  {'Warga' if g.get('dari') == 'warga' else 'Bot'}: {g.get('teks', '')}"
                  for g in t["giliran"]]
    lines += ["", "Ketik !ambil di utas ini (atau beri reaksi 👍) untuk mengambil. Setiap pesan Anda di "
              "utas ini yang tidak diawali \"!\" sampai ke warga. !selesai atau !kembalikan "
              "mengembalikan warga ke bot."]
    return "\n".join(lines)


def dari_warga(t: dict, teks: str, titipan: bool = False) -> str:
    return f"{'📝 Pesan titipan' if titipan else '💬'} {t['label']}: {teks}"


def op_diambil(t: dict, nama: str) -> str:
    return f"✅ {ticket_code(t['id'])} diambil oleh {nama}. Warga sudah diberi tahu."


def op_sudah_diambil(t: dict) -> str:
    return f"{ticket_code(t['id'])} sudah diambil oleh {t.get('nama_petugas') or '-'}."


def op_selesai(t: dict, nama: str) -> str:
    return (f"🏁 {ticket_code(t['id'])} dikembalikan ke bot oleh {nama}. Diminta {_waktu(t['diminta'])}, "
            f"diambil {_waktu(t.get('diambil'))}, selesai {_waktu(t.get('selesai'))}.")


def op_terlewat(t: dict, timeout_s: float) -> str:
    return (f"⏰ {ticket_code(t['id'])} tidak diambil dalam {round(timeout_s)} detik: ditandai terlewat. "
            "Warga sudah diberi jam layanan, nomor darurat, dan pilihan menitip pesan.")


def op_tidak_aktif(t: dict) -> str:
    return f"{ticket_code(t['id'])} sudah tidak aktif (status: {t['status']})."


def op_daftar(tickets: list[dict]) -> str:
    if not tickets:
        return "Tidak ada permintaan bicara dengan petugas yang terbuka."
    rows = [f"• {ticket_code(t['id'])} [{t['status']}] {KANAL.get(t['kanal'], t['kanal'])} "
            f"{t['label']} — {t['subjek']} (diminta {_waktu(t['diminta'])}"
            + (f", oleh {t['nama_petugas']}" if t.get("nama_petugas") else "") + ")" for t in tickets]
    return "Permintaan bicara dengan petugas yang terbuka:\n" + "\n".join(rows)
