"""Who may see a report's status: its reporter, or whoever holds the report's secret code.

Standard library only. The report store (store.status_for) and the report API
(`POST /v1/reports/{id}/cek`) enforce it; the chat and the Matrix bridge only ask.

- The reporter is the same conversation: `kanal` and `pelapor` equal to the report's (web: the
  chat session id; Matrix: the Matrix user id).
- Anyone else needs the secret code shown once to the reporter when the report was created
  (8 characters of an alphabet without look-alikes, shown as `ABCD-2345`, about 40 bits). Only a
  salted SHA-256 of it is stored (`reports.kode_hash`), never the code.
- "Not found" and "not yours" are the same answer (None), so ids cannot be enumerated; after
  MAX_FAILURES wrong codes for one report within FAILURE_WINDOW_S, even the right code is refused
  for the rest of the window (guessing is pointless).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from typing import Any, Dict, Optional

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LEN = 8
MAX_FAILURES = 10
FAILURE_WINDOW_S = 3600.0

def new_code() -> str:
    """A fresh secret code, formatted for reading: 'ABCD-2345'. It always has a digit, so it is
    never mistaken for a word (find_code)."""
    raw = ""
    while not any(c.isdigit() for c in raw):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(code: Optional[str]) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def hash_code(report_id: str, code: str) -> str:
    """Salted (by the report id) SHA-256 of the normalised code."""
    data = f"{report_id.strip().upper()}:{normalize_code(code)}".encode()
    return hashlib.sha256(data).hexdigest()


def code_matches(report_id: str, code: Optional[str], stored_hash: Optional[str]) -> bool:
    if not code or not stored_hash or len(normalize_code(code)) != CODE_LEN:
        return False
    return hmac.compare_digest(hash_code(report_id, code), stored_hash)


def _is_code(cand: str) -> bool:
    return (len(cand) == CODE_LEN and all(c in ALPHABET for c in cand)
            and any(c.isdigit() for c in cand))


def find_code(text: Optional[str]) -> Optional[str]:
    """A code typed in a message ('status LK-2026-000001 kode ABCD-2345', 'abcd 2345'), or None.
    Only words of the code alphabet with a digit count; report ids are ignored."""
    text = re.sub(r"\bLK-\d{4}-\d{6}\b", " ", text or "", flags=re.IGNORECASE)
    words = [w.upper() for w in re.findall(r"[A-Za-z0-9]+", text)]
    for i, word in enumerate(words):
        if _is_code(word):
            return word
        if i + 1 < len(words) and len(word) == 4 and _is_code(word + words[i + 1]):
            return word + words[i + 1]
    return None


def is_reporter(report: Dict[str, Any], pelapor: Optional[str], kanal: Optional[str]) -> bool:
    return bool(pelapor and kanal) and report.get("pelapor") == pelapor and report.get("kanal") == kanal


STATUS_FIELDS = ("id", "jenis", "jenis_label", "status", "status_label", "alasan", "dibuat",
                 "diperbarui")


def status_view(report: Dict[str, Any], reporter: bool) -> Dict[str, Any]:
    """What a status check returns: the status, not the report (no description, location,
    reporter). `pemilik` tells the caller whether it is the reporter's own conversation."""
    view = {k: report.get(k) for k in STATUS_FIELDS}
    view["pemilik"] = reporter
    return view


class FailureLimiter:
    """Wrong codes per report within a window (in memory, per process)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S):
        self.max_failures = max_failures
        self.window_s = window_s
        self._lock = threading.Lock()
        self._fails: Dict[str, list] = {}

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            fails = [t for t in self._fails.get(key, []) if now - t < self.window_s]
            self._fails[key] = fails
            return len(fails) >= self.max_failures

    def failed(self, key: str) -> None:
        with self._lock:
            self._fails.setdefault(key, []).append(time.monotonic())
