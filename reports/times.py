"""Report times: Asia/Jakarta (WIB) timestamps and "right now" answers (standard library only)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

# Asia/Jakarta (WIB) is UTC+7 all year (no daylight saving), so a fixed offset is exact and needs
# no tz database.
WIB = timezone(timedelta(hours=7), "WIB")


def now_wib() -> datetime:
    return datetime.now(WIB)


def iso_wib(dt: Optional[datetime] = None) -> str:
    return (dt or now_wib()).astimezone(WIB).isoformat(timespec="seconds")


def format_wib(iso: str) -> str:
    """'2026-11-28T14:00:00+07:00' -> '28-11-2026 14:00 WIB'; raises ValueError on a bad string."""
    return datetime.fromisoformat(iso).astimezone(WIB).strftime("%d-%m-%Y %H:%M") + " WIB"


# "Right now" answers ("barusan", "sekarang", "baru saja terjadi", "masih berlangsung"), resolved
# to the time of receipt. Anything else ("tadi malam", "kemarin pukul 21.00") stays text only:
# guessing a time would put a wrong fact in the report.
_SEKARANG_KATA = frozenset({"sekarang", "barusan", "baru", "sedang", "lagi", "masih", "saat",
                            "detik", "berlangsung", "now", "tadi", "terjadi"})
_PENGISI = frozenset({"saja", "aja", "ini", "juga", "pak", "bu", "kak", "min", "banget", "sekali",
                      "ya", "kok", "nih", "deh", "kejadiannya", "kejadian"})


def _is_sekarang(teks: str) -> bool:
    core = [w for w in re.sub(r"[^\w\s]", " ", teks.lower()).split() if w not in _PENGISI]
    return bool(core) and set(core) <= _SEKARANG_KATA and not set(core) <= {"terjadi", "saat", "lagi"}


def parse_waktu(teks: str, now: Optional[datetime] = None) -> Optional[str]:
    """ISO 8601 (any offset; naive = WIB) or a 'right now' word → ISO string in WIB, else None."""
    t = teks.strip()
    if not t:
        return None
    candidate = t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t
    try:
        dt = datetime.fromisoformat(candidate)
    except ValueError:
        dt = None
    if dt is not None:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=WIB)
        return iso_wib(dt)
    if _is_sekarang(t):
        return iso_wib(now)
    return None
