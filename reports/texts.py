"""Indonesian texts about reports: the operator card, the reporter's status messages and status
lines (standard library only)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable

from privacy.masking import mask_report

from .times import WIB, format_wib
from .vocabulary import DARURAT, JENIS_DARURAT, KANAL, jenis_label, status_label


def _fmt_waktu(report: Dict[str, Any]) -> str:
    teks = report.get("waktu") or "-"
    iso = report.get("waktu_iso")
    if iso and iso != teks:
        try:
            dt = datetime.fromisoformat(iso).astimezone(WIB)
            return f"{teks} ({dt.strftime('%d-%m-%Y %H:%M')} WIB)"
        except ValueError:
            return teks
    if iso:
        try:
            return format_wib(iso)
        except ValueError:
            pass
    return teks


def _fmt_lokasi(lokasi: Any) -> str:
    if isinstance(lokasi, str):
        return lokasi
    if not isinstance(lokasi, dict):
        return "-"
    teks = lokasi.get("teks") or "-"
    if lokasi.get("lat") is not None and lokasi.get("lon") is not None:
        teks += f" (koordinat {lokasi['lat']:.5f}, {lokasi['lon']:.5f})"
    return teks


def _fmt_dibuat(report: Dict[str, Any]) -> str:
    iso = report.get("dibuat")
    if not iso:
        return "-"
    try:
        return format_wib(iso)
    except ValueError:
        return iso


def format_card(report: Dict[str, Any]) -> str:
    """Indonesian card for the operator room. NIK, phone numbers and e-mail addresses in the free
    text (location, time, description, reporter's name, reason) are masked (privacy.masking); the
    contact the reporter chose to give (`kontak`) is shown as given."""
    report = mask_report(report)
    lampiran: Iterable = report.get("lampiran") or []
    lampiran = list(lampiran)
    pelapor = report.get("pelapor") or "-"
    if report.get("pelapor_nama"):
        pelapor = f"{report['pelapor_nama']} ({pelapor})"
    lines = [
        f"LAPORAN {report.get('id', '-')}",
        f"Jenis: {jenis_label(report.get('jenis'))}",
        f"Lokasi: {_fmt_lokasi(report.get('lokasi'))}",
        f"Waktu kejadian: {_fmt_waktu(report)}",
        f"Keterangan: {report.get('deskripsi') or '-'}",
    ]
    if lampiran:
        jumlah: Dict[str, int] = {}
        for item in lampiran:
            tipe = (item.get("tipe") if isinstance(item, dict) else None) or "berkas"
            jumlah[tipe] = jumlah.get(tipe, 0) + 1
        lines.append("Lampiran: " + ", ".join(f"{n} {t}" for t, n in sorted(jumlah.items())))
    lines += [
        f"Pelapor: {pelapor}",
        *([f"Kontak yang diberikan pelapor: {report['kontak']}"] if report.get("kontak") else []),
        f"Kanal: {KANAL.get(report.get('kanal') or '', report.get('kanal') or '-')}",
        f"Diterima sistem: {_fmt_dibuat(report)}",
        f"Status: {status_label(report.get('status'))}",
    ]
    if report.get("status") == "ditolak" and report.get("alasan"):
        lines.append(f"Alasan penolakan: {report['alasan']}")
    if report.get("jenis") in JENIS_DARURAT:
        lines.append("Prioritas: kemungkinan darurat, mohon segera ditindaklanjuti.")
    return "\n".join(lines)


def format_status_message(report: Dict[str, Any]) -> str:
    """Indonesian message to the reporter about the report's current status."""
    rid = report.get("id", "-")
    jenis = f" ({jenis_label(report['jenis']).lower()})" if report.get("jenis") else ""
    status = report.get("status")
    if status == "baru":
        body = (f"Laporan Anda{jenis} sudah tercatat dengan nomor {rid}. "
                "Petugas kami akan menindaklanjuti.")
    elif status == "diterima":
        body = (f"Laporan Anda {rid}{jenis} sudah diterima petugas dan sedang dipelajari. "
                "Terima kasih atas informasinya.")
    elif status == "ditangani":
        body = f"Laporan Anda {rid}{jenis} sedang ditangani oleh petugas kami."
    elif status == "selesai":
        body = (f"Laporan Anda {rid}{jenis} sudah selesai ditindaklanjuti. "
                "Terima kasih telah membantu menjaga keamanan dan ketertiban.")
    elif status == "ditolak":
        alasan = report.get("alasan") or "tidak disebutkan"
        body = (f"Mohon maaf, laporan Anda {rid}{jenis} tidak dapat kami tindak lanjuti. "
                f"Alasan: {alasan}. Jika ada informasi tambahan, silakan kirim laporan baru.")
    else:
        body = f"Status laporan Anda {rid}: {status_label(status)}."
    return f"{body}\n{DARURAT}"


def format_status_line(report: Dict[str, Any]) -> str:
    """One line per report for status lists: 'LK-2026-000001 (Kecelakaan lalu lintas): Diterima'."""
    line = (f"{report.get('id', '-')} ({jenis_label(report.get('jenis'))}, {_fmt_dibuat(report)}): "
            f"{status_label(report.get('status'))}")
    if report.get("status") == "ditolak" and report.get("alasan"):
        line += f" (alasan: {report['alasan']})"
    return line
