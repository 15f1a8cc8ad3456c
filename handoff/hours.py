"""Service hours of the handoff desk and the waiting limit, from config/polres.yml (`handoff:`).

    handoff:
      jam_layanan: "Senin-Jumat 08.00-16.00, Sabtu 08.00-12.00"   # or "24 jam"; null = not limited
      batas_tunggu_menit: 5
      sumber: ...; kepastian: ...

The file is read again on every call (operators edit it while the service runs; it is small).
HANDOFF_TIMEOUT_S overrides the waiting limit (tests use seconds).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo(os.environ.get("KAMTIBMAS_TZ") or "Asia/Jakarta")
DEFAULT_TIMEOUT_MIN = 5.0
DAYS = ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]
_ALIASES = {"jum'at": "jumat", "ahad": "minggu"}
_SPAN = re.compile(r"^\s*(?:(?P<d1>[a-z']+)(?:\s*-\s*(?P<d2>[a-z']+))?|setiap hari)\s+"
                   r"(?P<h1>\d{1,2})[.:](?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2})[.:](?P<m2>\d{2})\s*$")


class HoursInvalid(ValueError):
    pass


def config_path() -> Path:
    return Path(os.environ.get("POLRES_CONFIG") or ROOT / "config" / "polres.yml")


def polres_config() -> dict[str, Any]:
    try:
        return yaml.safe_load(config_path().read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}


def settings() -> dict[str, Any]:
    return polres_config().get("handoff") or {}


def timeout_s() -> float:
    if os.environ.get("HANDOFF_TIMEOUT_S"):
        return float(os.environ["HANDOFF_TIMEOUT_S"])
    minutes = settings().get("batas_tunggu_menit")
    return float(minutes if minutes else DEFAULT_TIMEOUT_MIN) * 60


def _day(name: str) -> int:
    name = _ALIASES.get(name, name)
    if name not in DAYS:
        raise HoursInvalid(f"hari tidak dikenal: {name!r}")
    return DAYS.index(name)


def parse(text: str) -> list[tuple[set[int], int, int]]:
    """'Senin-Jumat 08.00-16.00, Sabtu 08.00-12.00' -> [(weekdays, start min, end min)].
    '24 jam' -> every day, all day."""
    text = (text or "").strip().lower()
    if text in ("24 jam", "setiap hari 24 jam"):
        return [(set(range(7)), 0, 24 * 60)]
    spans = []
    for part in re.split(r"[,;]", text):
        m = _SPAN.match(part)
        if not m:
            raise HoursInvalid(f"format jam layanan tidak dikenal: {part.strip()!r} "
                               "(contoh: \"Senin-Jumat 08.00-16.00\" atau \"24 jam\")")
        if m.group("d1"):
            a = _day(m.group("d1"))
            b = _day(m.group("d2")) if m.group("d2") else a
            days = {(a + i) % 7 for i in range((b - a) % 7 + 1)}
        else:
            days = set(range(7))
        start = int(m.group("h1")) * 60 + int(m.group("m1"))
        end = int(m.group("h2")) * 60 + int(m.group("m2"))
        spans.append((days, start, end))
    return spans


def service_hours() -> str | None:
    return settings().get("jam_layanan") or None


def is_open(now: dt.datetime | None = None) -> bool:
    """True inside the configured service hours (always, when none are configured)."""
    hours = service_hours()
    if not hours:
        return True
    now = (now or dt.datetime.now(TZ)).astimezone(TZ)
    minute = now.hour * 60 + now.minute
    try:
        spans = parse(hours)
    except HoursInvalid:
        log.exception("handoff.jam_layanan in %s cannot be read; treating the desk as open", config_path())
        return True
    return any(now.weekday() in days and start <= minute < end for days, start, end in spans)


def office_hours() -> str | None:
    """The office hours a citizen is told when nobody is there (SPKT hours, else the desk's)."""
    cfg = polres_config()
    return ((cfg.get("jam_layanan") or {}).get("spkt")) or service_hours()


def office_phone() -> str | None:
    return (polres_config().get("kontak") or {}).get("telepon") or None
