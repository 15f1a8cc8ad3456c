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
# Penalty records marked "berubah": the rule HAS changed (KUHP baru and UU 1/2026 since
# 2 January 2026) or sources disagree; the record's alasan_kepastian says what is unconfirmed.
_CAVEAT_PASAL_BERUBAH = (
    "Perhatian: kami belum bisa menyebut satu angka ancaman yang pasti untuk perbuatan ini."
)
_CAVEAT_PASAL_TAIL = (
    "Mohon pastikan ke SPKT Polres Batang atau teks resmi di peraturan.go.id."
)

# Date from which the KUHP baru (UU 1/2023) and UU 1/2026 apply.
PERALIHAN = "2026-01-02"

# Shown with every answer about violent crime, sexual violence, KDRT, threats or robbery
# (records with a `bahaya` category).
BANTUAN_DARURAT = (
    "Bila Anda atau orang lain sedang dalam bahaya sekarang, segera telepon 110 (Polisi) atau "
    "112 (gratis, 24 jam). Jangan menunggu balasan chat."
)

# Labels for operator-config values (config/polres.yml) that entries list under `lokal`.
LOKAL_LABEL = {
    "alamat": "Alamat",
    "kontak.telepon": "Telepon",
    "kontak.whatsapp": "WhatsApp",
    "kontak.email": "Email",
    "kontak.website": "Website",
    "kontak.instagram": "Instagram",
    "lokasi.spkt": "Lokasi SPKT",
    "lokasi.satpas": "Lokasi Satpas (layanan SIM)",
    "lokasi.skck": "Lokasi layanan SKCK",
    "jam_layanan.spkt": "Jam layanan SPKT",
    "jam_layanan.satpas": "Jam layanan Satpas (SIM)",
    "jam_layanan.skck": "Jam layanan SKCK",
}


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
    reason = (entry.get("alasan_kepastian") or "").strip().rstrip(".")
    if kepastian == "berubah" and entry.get("kode"):
        parts = [_CAVEAT_PASAL_BERUBAH]
        if reason:
            parts.append(f"Alasannya: {reason}.")
        parts.append(_CAVEAT_PASAL_TAIL)
        return " ".join(parts)
    base = _CAVEAT.get(kepastian, "")
    if not base:
        return ""
    return f"{base} Alasannya: {reason}." if reason else base


def bantuan_darurat(entry: Optional[Dict[str, Any]]) -> str:
    """The 'in danger now: call 110/112' line for records with a `bahaya` category, else ""."""
    return BANTUAN_DARURAT if entry and entry.get("bahaya") else ""


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


def _local_value(local: Any, key: str) -> Any:
    if local is None:
        return None
    if callable(local):
        return local(key)
    value: Any = local
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def format_lokal(entry: Optional[Dict[str, Any]], local: Any) -> str:
    """Operator-set local facts named in the entry's `lokal` list (e.g. Satpas hours), as a short
    block; "" when none is set. `local` is `kb.local` (or the config dict). List values such as
    `sim_keliling` are left to the callers that format schedules."""
    if not entry or local is None:
        return ""
    rows = []
    for key in entry.get("lokal") or []:
        value = _local_value(local, key)
        if isinstance(value, str) and value.strip():
            rows.append(f"{LOKAL_LABEL.get(key, key)}: {value.strip()}")
    if not rows:
        return ""
    nama = _local_value(local, "nama") or "Polres Batang"
    when = _local_value(local, "diperbarui")
    head = f"Di {nama}" + (f" (data per {format_tanggal(when)})" if when else "") + ":"
    return head + "\n" + _bullets(rows)


def format_entry(entry: Optional[Dict[str, Any]], with_dasar: bool = False,
                 local: Any = None) -> str:
    """teks + langkah/poin + local facts (when `local` is given) + catatan + caveat.
    Records with a `bahaya` category start with the 110/112 line."""
    if not entry:
        return ""
    parts = [bantuan_darurat(entry), entry.get("teks", "").strip()]
    if entry.get("langkah"):
        parts.append(_bullets(entry["langkah"], numbered=True))
    if entry.get("poin"):
        parts.append(_bullets(entry["poin"]))
    parts.append(format_lokal(entry, local))
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


def _sentence(text: str) -> str:
    text = (text or "").strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _day_after(iso: str) -> str:
    try:
        return (_dt.date.fromisoformat(str(iso)) + _dt.timedelta(days=1)).isoformat()
    except ValueError:
        return str(iso)


def _kode_line(k: Dict[str, Any], prefix: str = "") -> str:
    """One bullet per article: label, penalty now, fine category, then the penalty before the
    2026 change as history. Exactly one colon separates the label from the penalty."""
    line = f"• {prefix}{_pasal_label(k)}: {_sentence(k['ancaman'])}"
    kat = _kategori_text(k.get("kategori_denda"))
    if kat:
        line += f" {kat}"
    if k.get("ancaman_sebelum"):
        line += (f" Sebelum {format_tanggal(PERALIHAN)} ancamannya "
                 f"{_sentence(k['ancaman_sebelum'])}")
    return line


def format_pasal(record: Optional[Dict[str, Any]]) -> str:
    """Article in force (KUHP baru first), old/repealed article for reference, penalty, fine
    category, delik aduan note, 110/112 line for `bahaya` records, caveat and the disclaimer."""
    if not record:
        return ""
    kode = list(record.get("kode") or [])
    dulu = [k for k in kode if k.get("berlaku_sampai")]
    kode = [k for k in kode if not k.get("berlaku_sampai")]
    baru = [k for k in kode if k["uu"] == "KUHP baru"]
    lama = [k for k in kode if k["uu"] == "KUHP lama"]
    lain = [k for k in kode if k["uu"] not in ("KUHP baru", "KUHP lama")]
    lines = [f"*{record['judul']}*"]
    if bantuan_darurat(record):
        lines.append(BANTUAN_DARURAT)
    if record.get("ringkasan"):
        lines.append(record["ringkasan"].strip())
    since = format_tanggal(PERALIHAN)
    for k in baru:
        lines.append(_kode_line(k, prefix=f"Yang berlaku sejak {since} adalah "))
    for k in lain:
        lines.append(_kode_line(k))
    for k in dulu:
        until = format_tanggal(_day_after(k["berlaku_sampai"]))
        lines.append(f"• Sebelum {until} berlaku {_pasal_label(k)}, dengan ancaman "
                     f"{_sentence(k['ancaman'])}")
    for k in lama:
        prefix = "Sebagai pembanding, dulu diatur di " if baru else "Diatur di "
        lines.append(f"• {prefix}{_pasal_label(k)}: {_sentence(k['ancaman'])}")
    if baru and (lama or dulu):
        lines.append(
            f"Untuk perbuatan sebelum {since} berlaku aturan yang paling meringankan "
            "pelaku (Pasal 3 KUHP baru)."
        )
    elif not baru and lama:
        lines.append("Tindak pidana ini tidak kami temukan padanannya di KUHP baru.")
    if record.get("delik_aduan"):
        note = record.get("catatan_aduan") or (
            "Ini delik aduan: perkara hanya diproses jika ada pengaduan dari pihak yang berhak."
        )
        lines.append(note.strip())
    if record.get("catatan"):
        lines.append(record["catatan"].strip())
    cav = caveat(record)
    if cav:
        lines.append(cav)
    lines.append(DISCLAIMER)
    return "\n".join(lines)


def join_answers(parts: Iterable[str], help_first: bool = False) -> str:
    """Join several formatted answers with blank lines. The 110/112 line is kept once. When the
    first part is a one-paragraph lead (the fact that was asked for, issue 9) it comes right after
    that lead, before any record or detail; otherwise (or with `help_first`, for a message about
    a danger happening now) it leads the whole answer. The disclaimer is kept once, at the end."""
    out, has_help, has_disclaimer = [], False, False
    for part in parts:
        if not part:
            continue
        lines = []
        for line in part.split("\n"):
            if line == BANTUAN_DARURAT:
                has_help = True
                continue
            if line == DISCLAIMER:
                has_disclaimer = True
                continue
            lines.append(line)
        text = "\n".join(lines).strip()
        if text:
            out.append(text)
    if has_help:
        is_lead = not help_first and len(out) > 1 and "\n" not in out[0] and not out[0].startswith("*")
        out.insert(1 if is_lead else 0, BANTUAN_DARURAT)
    if has_disclaimer:
        out.append(DISCLAIMER)
    return "\n\n".join(out)


def format_local_missing(what: str, kontak: Optional[str] = None) -> str:
    """Polite 'not available yet' text for unset operator config values. Routine questions go
    to the office (or the operator-set contact), never to the emergency line; 110 is named
    only as the number for emergencies."""
    where = f"hubungi {kontak} atau datang" if kontak else "tanyakan langsung"
    return (
        f"Mohon maaf, informasi {what} Polres Batang belum tersedia di sistem kami. "
        f"Silakan {where} ke Mapolres Batang pada jam kerja. "
        "Nomor 110 hanya untuk keadaan darurat."
    )
