"""Chat commands, declared once: name → handler, who may use it, and its help lines. The help
texts of !bantuan are generated from this table."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from reports.vocabulary import DARURAT, JENIS

from . import bulletin, lapor, operator, voice

WARGA = "warga"        # DM and community rooms
OPERATOR = "operator"  # the operator room, power level >= cfg.operator_level
SEMUA = "semua"        # everywhere

Handler = Callable[..., Awaitable[None]]  # async (ctx, rest) -> None


@dataclass(frozen=True)
class Command:
    name: str
    who: str
    handler: Handler | None  # None: !bantuan (answered by the dispatcher)
    help: tuple[tuple[str, str], ...]  # (usage, what it does) lines of !bantuan


def _jenis_list() -> str:
    return ", ".join(label.lower() for label in JENIS.values())


COMMANDS: tuple[Command, ...] = (
    Command("!lapor", WARGA, lapor.start_command, (
        ("!lapor", f"membuat laporan kejadian ({_jenis_list()}). Bisa juga langsung tulis, misalnya "
                   "\"ada kecelakaan di Jl. Gajah Mada\"."),)),
    Command("!status", WARGA, lapor.status, (
        ("!status LK-2026-000123", "cek status laporan Anda."),
        ("!status LK-2026-000123 KODE", "cek status laporan dari akun lain dengan kode rahasianya."))),
    Command("!batal", WARGA, lapor.cancel, (("!batal", "membatalkan laporan yang sedang diisi."),)),
    Command("!bantuan", SEMUA, None, (("!bantuan", "menampilkan bantuan ini."),)),
    Command("!terima", OPERATOR, operator.status_command("diterima"),
            (("!terima LK-…", "laporan diterima"),)),
    Command("!tangani", OPERATOR, operator.status_command("ditangani"),
            (("!tangani LK-… [nama petugas]", "laporan sedang ditangani"),)),
    Command("!selesai", OPERATOR, operator.status_command("selesai"),
            (("!selesai LK-…", "laporan selesai"),)),
    Command("!tolak", OPERATOR, operator.status_command("ditolak"), (
        ("!tolak LK-… alasan", "laporan ditolak (alasan wajib)"),
        ("Reaksi pada kartu laporan", "✅ diterima, 👮 ditangani, 🏁 selesai"))),
    Command("!laporan", OPERATOR, operator.list_reports, (("!laporan [status]", "daftar laporan terbaru"),)),
    Command("!siaran", OPERATOR, bulletin.command, (
        ("!siaran pagi|siang|malam <teks>", "atur teks siaran rutin (06.00, 12.00, 18.00 WIB)"),
        ("!siaran lihat", "lihat teks siaran rutin"),
        ("!siaran sekarang <teks> [#ruang …]", "kirim siaran segera"))),
    Command("!jawab", OPERATOR, voice.jawab_command, (
        ("!jawab #ruang", "pesan suara Anda berikutnya dikirim ke ruang itu (atau balas pesan suara "
                          "yang diteruskan dengan pesan suara)"),)),
)
BY_NAME = {c.name: c for c in COMMANDS}
BANTUAN = "!bantuan"


def find(name: str | None) -> Command | None:
    return BY_NAME.get((name or "").lower())


def _lines(who: str) -> list[str]:
    return [f"• {usage} — {text}" for c in COMMANDS if c.who == who for usage, text in c.help]


def help_warga() -> str:
    lines = [
        "Halo! Saya Bot Kamtibmas Polres Batang. Yang bisa saya bantu:",
        "",
        "• Tanya layanan polisi (SIM, SKCK, tilang, pasal, dll.): kirim pesan langsung ke saya, atau "
        "sebut nama saya di ruang komunitas.",
        *_lines(WARGA),
        "• Kirim pesan suara di ruang komunitas — diteruskan ke operator Polres, dan operator bisa "
        "menjawab dengan suara.",
        *_lines(SEMUA),
        "",
        DARURAT,
    ]
    return "\n".join(lines)


def help_operator() -> str:
    return "\n".join(["Perintah operator (hanya di ruang operator, tingkat daya ≥ 50):", *_lines(OPERATOR)])
