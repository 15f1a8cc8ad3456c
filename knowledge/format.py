"""Pure formatting helpers returning Indonesian text for chat answers."""
from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterable, Optional

DISCLAIMER = (
    "Ini informasi umum, bukan nasihat hukum. Untuk kasus Anda, hubungi SPKT Polres Batang "
    "atau penasihat hukum."
)

KATEGORI_DENDA_MAKS = {
    "I": 1_000_000, "II": 10_000_000, "III": 50_000_000, "IV": 200_000_000,
    "V": 500_000_000, "VI": 2_000_000_000, "VII": 5_000_000_000, "VIII": 50_000_000_000,
}

UU_NAMA = {
    "KUHP baru": "KUHP baru (UU 1/2023)",
    "KUHP lama": "KUHP lama",
    "UU LLAJ": "UU 22/2009 tentang Lalu Lintas dan Angkutan Jalan",
    "UU ITE": "UU ITE (UU 11/2008 sebagaimana diubah terakhir dengan UU 1/2024)",
    "UU KDRT": "UU 23/2004 tentang Penghapusan KDRT",
    "UU Narkotika": "UU 35/2009 tentang Narkotika",
    "UU Tipikor": "UU 31/1999 jo. UU 20/2001 tentang Pemberantasan Tindak Pidana Korupsi",
}

_BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]

_CAVEAT = {
    "belum_pasti": (
        "Catatan: informasi ini belum dapat kami pastikan dari sumber resmi. Mohon cek kembali "
        "ke kantor polisi terdekat atau sumber resmi sebelum Anda mengandalkannya."
    ),
    "berubah": (
        "Perhatian: informasi ini bisa sudah berubah atau sumbernya berbeda-beda, jadi belum "
        "bisa kami sebut pasti. Mohon pastikan ke kantor polisi atau sumber resmi."
    ),
}
_CAVEAT_PASAL_BERUBAH = (
    "Perhatian: aturan ini sedang berubah atau sumbernya berbeda-beda, jadi kami belum bisa "
    "menyebut satu angka ancaman yang pasti. Mohon pastikan ke SPKT Polres Batang atau teks "
    "resmi di peraturan.go.id."
)


def format_rupiah(amount: Any) -> str:
    """100000 -> "Rp100.000" (Indonesian thousands separator)."""
    try:
        n = int(amount)
    except (TypeError, ValueError):
        return str(amount)
    sign = "-" if n < 0 else ""
    return f"{sign}Rp{abs(n):,}".replace(",", ".")


def format_tanggal(iso: Optional[str]) -> str:
    """"2026-01-02" -> "2 Januari 2026"; returns input unchanged if not an ISO date."""
    if not iso:
        return ""
    try:
        d = _dt.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return f"{d.day} {_BULAN[d.month - 1]} {d.year}"


def caveat(entry: Optional[Dict[str, Any]]) -> str:
    """"" for pasti; an honest phrase for belum_pasti / berubah (plus the specific reason)."""
    if not entry:
        return ""
    kepastian = entry.get("kepastian", "pasti")
    if kepastian == "berubah" and entry.get("kode"):
        base = _CAVEAT_PASAL_BERUBAH
    else:
        base = _CAVEAT.get(kepastian, "")
    if not base:
        return ""
    reason = (entry.get("alasan_kepastian") or "").strip().rstrip(".")
    return f"{base} Alasannya: {reason}." if reason else base


def _bullets(items: Iterable[str], numbered: bool = False) -> str:
    return "\n".join(f"{i}. {t}" if numbered else f"• {t}" for i, t in enumerate(items, 1))


def format_dasar(entry: Dict[str, Any]) -> str:
    """Short "Dasar: ..." line (legal basis, else source) with the date."""
    basis = entry.get("dasar_hukum") or entry.get("sumber") or []
    if isinstance(basis, str):
        basis = [basis]
    parts = []
    if basis:
        parts.append("Dasar: " + "; ".join(basis))
    if entry.get("berlaku_sejak"):
        parts.append("berlaku sejak " + format_tanggal(entry["berlaku_sejak"]))
    return (", ".join(parts) + ".") if parts else ""


def format_entry(entry: Optional[Dict[str, Any]], with_dasar: bool = False) -> str:
    """teks + langkah/poin + catatan + caveat."""
    if not entry:
        return ""
    parts = [entry.get("teks", "").strip()]
    if entry.get("langkah"):
        parts.append(_bullets(entry["langkah"], numbered=True))
    if entry.get("poin"):
        parts.append(_bullets(entry["poin"]))
    if entry.get("catatan"):
        parts.append(entry["catatan"].strip())
    cav = caveat(entry)
    if cav:
        parts.append(cav)
    if with_dasar:
        d = format_dasar(entry)
        if d:
            parts.append(d)
    return "\n".join(p for p in parts if p)


def format_fee(fee: Optional[Dict[str, Any]]) -> str:
    if not fee:
        return ""
    lay = "pembuatan baru" if fee.get("layanan") == "baru" else "perpanjangan"
    basis = "; ".join(fee.get("dasar_hukum") or fee.get("sumber") or [])
    text = f"Biaya PNBP SIM {fee['kelas']} untuk {lay}: {format_rupiah(fee['jumlah'])}"
    if basis:
        text += f" ({basis})"
    text += ". Biaya tes kesehatan dan psikologi dibayar terpisah."
    cav = caveat(fee)
    return f"{text}\n{cav}" if cav else text


def _kategori_text(kat: Optional[str]) -> str:
    if not kat:
        return ""
    maks = KATEGORI_DENDA_MAKS.get(kat)
    if maks is None:
        return ""
    return f"Denda kategori {kat} = paling banyak {format_rupiah(maks)}."


def format_nomor(nomor: str) -> str:
    """"310(2)" -> "310 ayat (2)"; "476" -> "476"."""
    nomor = str(nomor)
    if "(" in nomor and nomor.endswith(")"):
        base, ayat = nomor[:-1].split("(", 1)
        return f"{base} ayat ({ayat})"
    return nomor


def _pasal_label(kode: Dict[str, Any]) -> str:
    label = f"Pasal {format_nomor(kode['nomor'])}"
    if kode.get("jo"):
        label += f" jo. {kode['jo']}"
    return f"{label} {UU_NAMA.get(kode['uu'], kode['uu'])}"


def format_pasal(record: Optional[Dict[str, Any]]) -> str:
    """Article in force (KUHP baru first), old article for reference, penalty, fine category,
    delik aduan note, caveat and the disclaimer."""
    if not record:
        return ""
    kode = list(record.get("kode") or [])
    baru = [k for k in kode if k["uu"] == "KUHP baru"]
    lama = [k for k in kode if k["uu"] == "KUHP lama"]
    lain = [k for k in kode if k["uu"] not in ("KUHP baru", "KUHP lama")]
    lines = [f"*{record['judul']}*"]
    if record.get("ringkasan"):
        lines.append(record["ringkasan"].strip())
    for k in baru:
        line = f"• Yang berlaku sekarang (sejak 2 Januari 2026): {_pasal_label(k)}: {k['ancaman']}"
        kat = _kategori_text(k.get("kategori_denda"))
        lines.append(f"{line} {kat}".strip())
    for k in lain:
        line = f"• {_pasal_label(k)}: {k['ancaman']}"
        kat = _kategori_text(k.get("kategori_denda"))
        lines.append(f"{line} {kat}".strip())
    for k in lama:
        prefix = "• Sebagai pembanding, dulu diatur di" if baru else "• Diatur di"
        lines.append(f"{prefix} {_pasal_label(k)}: {k['ancaman']}")
    if baru and lama:
        lines.append(
            "Untuk perbuatan sebelum 2 Januari 2026 berlaku aturan yang paling meringankan "
            "pelaku (Pasal 3 KUHP baru)."
        )
    elif not baru and lama:
        lines.append("Tindak pidana ini tidak kami temukan padanannya di KUHP baru.")
    if record.get("delik_aduan"):
        note = record.get("catatan_aduan") or (
            "Ini delik aduan: perkara hanya diproses jika ada pengaduan dari pihak yang berhak."
        )
        lines.append(note)
    if record.get("catatan"):
        lines.append(record["catatan"].strip())
    cav = caveat(record)
    if cav:
        lines.append(cav)
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def format_local_missing(what: str) -> str:
    """Polite 'not available yet' text for unset operator config values."""
    return (
        f"Mohon maaf, informasi {what} Polres Batang belum tersedia di sistem kami. "
        "Silakan datang langsung ke Mapolres Batang atau hubungi 110 (gratis, 24 jam)."
    )
