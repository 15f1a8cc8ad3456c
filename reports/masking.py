"""Masking of personal data in report texts: NIK, phone numbers and e-mail addresses.

Standard library only (both venvs). One shared implementation: the operator dashboard and its
exports use it, and any other view of report text (operator cards, status lists) should too.

Reporters sometimes type their NIK or phone number into the description ("hubungi saya di
0812-3456-7890"). Operators need to know that a number was given and be able to tell two apart,
not to read it in full on a wall screen or in a weekly spreadsheet:

    NIK 3325011203850001        -> 3325**********01
    0812-3456-7890 / +62 812... -> 0812******90 / +62812*****90
    budi.santoso@mail.co.id     -> b***@mail.co.id
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

# 16-digit NIK (Nomor Induk Kependudukan), optionally grouped with spaces, dots or dashes.
_NIK = re.compile(r"(?<![\d+])(\d{4})[ .\-]?(\d{4})[ .\-]?(\d{4})[ .\-]?(\d{4})(?!\d)")
# Indonesian mobile and landline numbers: +62 / 62 / 0, then 8-13 more digits with optional
# separators between groups.
_PHONE = re.compile(r"(?<![\w+])(\+62|62|0)[ \-.]?(\d{2,4}(?:[ \-.]?\d{2,5}){1,4})(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*"
                    r"@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")

MASK = "*"


def _mask_nik(m: re.Match) -> str:
    digits = "".join(m.groups())
    return digits[:4] + MASK * 10 + digits[-2:]


def _mask_phone(m: re.Match) -> str:
    prefix = m.group(1)
    rest = re.sub(r"\D", "", m.group(2))
    total = len(re.sub(r"\D", "", prefix)) + len(rest)
    if not 9 <= total <= 15:
        return m.group(0)
    head, tail = rest[:3], rest[-2:]
    return f"{prefix}{head}{MASK * max(1, len(rest) - 5)}{tail}"


def _mask_email(m: re.Match) -> str:
    return f"{m.group(1)}{MASK * 3}@{m.group(2)}"


def mask_text(text: Optional[str]) -> Optional[str]:
    """The text with every NIK, phone number and e-mail address masked (None stays None)."""
    if not text:
        return text
    out = _EMAIL.sub(_mask_email, text)
    out = _NIK.sub(_mask_nik, out)
    return _PHONE.sub(_mask_phone, out)


MASKED_FIELDS = ("deskripsi", "pelapor_nama", "alasan", "waktu")


def mask_report(report: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of a report dict with its free-text fields masked (deskripsi, lokasi.teks,
    pelapor_nama, alasan, waktu). Ids, kinds, statuses and coordinates are unchanged."""
    out = dict(report)
    for key in MASKED_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = mask_text(out[key])
    lok = out.get("lokasi")
    if isinstance(lok, dict):
        lok = dict(lok)
        lok["teks"] = mask_text(lok.get("teks"))
        out["lokasi"] = lok
    elif isinstance(lok, str):
        out["lokasi"] = mask_text(lok)
    return out
