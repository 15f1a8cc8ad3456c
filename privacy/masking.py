"""Masking of personal data (UU 27/2022 PDP): NIK, phone numbers and e-mail addresses.

Standard library only (both venvs and the system Python). The one implementation used by the
tracker store (privacy/tracker_store.py), the log filter (privacy/logs.py), `make review`
exports, operator cards and the operator dashboard with its exports.

Reporters sometimes type their NIK or phone number into the description ("hubungi saya di
0812-3456-7890"). Operators need to know that a number was given and be able to tell two apart,
not to read it in full on a wall screen or in a weekly spreadsheet:

    NIK 3325011203850001        -> 3325**********01
    0812-3456-7890 / +62 812... -> 0812******90 / +62812*****90
    budi.santoso@mail.co.id     -> b***@mail.co.id
"""
from __future__ import annotations

import re
from typing import Any, Dict, FrozenSet, Optional

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


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _keeping(fn, keep: Optional[FrozenSet[str]]):
    """fn, except that a match whose digits (or address) are in `keep` stays as it is."""
    if not keep:
        return fn

    def sub(m: re.Match) -> str:
        found = m.group(0)
        if found.lower() in keep or (_digits(found) and _digits(found) in keep):
            return found
        return fn(m)
    return sub


def mask_text(text: Optional[str], keep: Optional[FrozenSet[str]] = None) -> Optional[str]:
    """The text with every NIK, phone number and e-mail address masked (None stays None).

    `keep`: public numbers/addresses that stay readable (digits only, or a lower-case e-mail),
    e.g. the Polres' own published contacts in bot answers (see public_contacts)."""
    if not text or not isinstance(text, str):
        return text
    out = _EMAIL.sub(_keeping(_mask_email, keep), text)
    out = _NIK.sub(_keeping(_mask_nik, keep), out)
    return _PHONE.sub(_keeping(_mask_phone, keep), out)


def is_contact(text: Optional[str]) -> bool:
    """True when the text is just a phone number or an e-mail address (with an optional label
    such as "HP:" or "wa"), as given in a report's contact field."""
    if not text or not isinstance(text, str):
        return False
    rest = re.sub(r"^\s*(?:kontak|hp|no\.?\s*hp|nomor(?:\s+hp)?|wa|whatsapp|telp|telepon|e-?mail)\s*[:.]?\s*",
                  "", text.strip(), flags=re.IGNORECASE).strip()
    for rx in (_EMAIL, _PHONE):
        m = rx.fullmatch(rest)
        if m and (rx is _EMAIL or mask_text(rest) != rest):
            return True
    return False


def keep_of(contact: Optional[str]) -> FrozenSet[str]:
    """The `keep` set of mask_text that leaves this contact readable."""
    if not contact:
        return frozenset()
    found = [m.group(0) for rx in (_EMAIL, _PHONE) for m in rx.finditer(contact)]
    return frozenset(f.lower() if "@" in f else _digits(f) for f in found)


def has_personal_data(text: Optional[str]) -> bool:
    """True when mask_text would change the text."""
    return bool(text) and mask_text(text) != text


# The secret status code of a report (reports/access.py: 8 characters without 0/O/1/I/L, with a
# digit, shown as ABCD-2345). Masked wherever a conversation or a log keeps text: only its hash
# is stored.
_CODE = re.compile(r"(?<![A-Za-z0-9_-])([A-HJKMNP-Za-hjkmnp-z2-9]{4})-?([A-HJKMNP-Za-hjkmnp-z2-9]{4})"
                   r"(?![A-Za-z0-9_-])")


def _mask_code(m: re.Match) -> str:
    code = m.group(1) + m.group(2)
    if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
        return "****-****"
    return m.group(0)


def mask_codes(text: Optional[str]) -> Optional[str]:
    """The text with report status codes replaced by ****-****."""
    if not text or not isinstance(text, str):
        return text
    return _CODE.sub(_mask_code, text)


# Keys of Rasa event dicts that never hold typed text (names, ids, times): left as they are.
_EVENT_SKIP = frozenset({"event", "timestamp", "message_id", "name", "policy", "confidence",
                         "input_channel", "intent", "intent_ranking", "action_name", "start",
                         "end", "extractor", "entity", "processors", "sender_id", "type_name"})


def mask_obj(obj: Any, keep: Optional[FrozenSet[str]] = None, skip: FrozenSet[str] = _EVENT_SKIP) -> Any:
    """A copy of a JSON-like value with every string masked, except under the keys in `skip`
    (by default the keys of a Rasa event that are names, ids or times, never typed text)."""
    if isinstance(obj, str):
        return mask_codes(mask_text(obj, keep))
    if isinstance(obj, dict):
        return {k: (v if k in skip else mask_obj(v, keep, skip)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [mask_obj(v, keep, skip) for v in obj]
    return obj


def mask_event(event: Dict[str, Any], keep: Optional[FrozenSet[str]] = None) -> Dict[str, Any]:
    """A Rasa event dict as it may be stored: user text, parse_data (text, entity values), slot
    values and bot texts masked. Bot texts keep the public contacts in `keep`; user texts and
    slots mask everything."""
    kind = event.get("event")
    return mask_obj(event, keep if kind == "bot" else None)


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


def public_contacts(config_path: Optional[str] = None) -> FrozenSet[str]:
    """The Polres' own published contacts (config/polres.yml `kontak`, POLRES_CONFIG overrides):
    their digits and lower-case e-mail addresses. Bot answers quote them; they are not personal
    data and stay readable in the stored bot texts."""
    import os
    from pathlib import Path

    path = Path(config_path or os.environ.get("POLRES_CONFIG")
                or Path(__file__).resolve().parent.parent / "config" / "polres.yml")
    try:
        import yaml  # PyYAML: both venvs; without it nothing is kept (everything is masked)

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except Exception:  # noqa: BLE001 - a missing/broken config only means: mask everything
        return frozenset()
    out = set()
    for value in (data.get("kontak") or {}).values():
        if isinstance(value, str) and value.strip():
            out.add(value.strip().lower() if "@" in value else _digits(value))
    return frozenset(v for v in out if v)
