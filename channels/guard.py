"""Intent-injection guard: users cannot type Rasa's `/intent{"entity": ...}` shortcut.

Rasa treats a message that starts with "/" as an intent (and entities) chosen by the sender,
skipping the NLU. That is how buttons work, so a "/..." text is accepted only when it is
- exactly the payload of a button the bot offered in this conversation (bot events of the
  conversation's tracker: the web widget's quick replies, the Matrix bridge's numbered options), or
- "/<intent>" for an intent in PUBLIC_INTENTS (public, no entities, harmless to jump to).
Anything else is treated as plain text: the leading slashes are removed and the rest goes through
the NLU like any typed sentence (so "/batal" still cancels a report). Internal intents
(`lapor_pembaruan_status`, `EXTERNAL_*`, `session_start`, `restart`, `back`, ...) and arbitrary
entities therefore never come from a user. A text starting with "EXTERNAL:" (the marker of
messages injected through Rasa's trigger_intent API) loses that prefix.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Iterable, Optional

log = logging.getLogger(__name__)

# What a user may send as "/<intent>" without the bot having offered it: the help menu and start
# buttons (actions/answers.py, rasa_project/domain/*.yml). Never an internal intent, never entities.
PUBLIC_INTENTS = frozenset({
    "sapaan_halo", "sapaan_bantuan",
    "sim_syarat_baru", "sim_perpanjang", "sim_biaya",
    "skck_syarat",
    "layanan_darurat", "layanan_kontak_polres", "layanan_laporan_polisi", "layanan_pengaduan_petugas",
    "pasal_cari", "pasal_kuhp_baru",
    "lapor_kejadian",
})

# How many of the newest bot messages count as "offered" (a conversation's recent buttons).
RECENT_BOT_MESSAGES = 50

_EXTERNAL = re.compile(r"^\s*EXTERNAL\s*:\s*", re.IGNORECASE)


def offered_payloads(events: Iterable[Any]) -> set[str]:
    """Button payloads of the newest bot messages among tracker events (objects or dicts)."""
    found: set[str] = set()
    seen = 0
    for ev in reversed(list(events)):
        if isinstance(ev, dict):
            kind, data = ev.get("event"), ev.get("data") or {}
        else:
            kind, data = getattr(ev, "type_name", None), getattr(ev, "data", None) or {}
        if kind != "bot":
            continue
        seen += 1
        for key in ("buttons", "quick_replies"):
            for button in data.get(key) or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    found.add(button["payload"].strip())
        if seen >= RECENT_BOT_MESSAGES:
            break
    return found


async def _offered(agent: Any, sender_id: str) -> set[str]:
    store = getattr(agent, "tracker_store", None) if agent is not None else None
    if store is None:
        return set()
    try:
        tracker = await store.retrieve(sender_id)
    except Exception:  # noqa: BLE001 - an unreadable tracker offers nothing
        log.exception("injection guard: cannot read the tracker of %s", sender_id)
        return set()
    return offered_payloads(tracker.events) if tracker is not None else set()


def _plain(text: str, slashes: bool) -> str:
    """text without leading whitespace and "EXTERNAL:" markers (and slashes), until stable."""
    previous = None
    while text != previous:
        previous = text
        text = _EXTERNAL.sub("", text.lstrip("/").strip() if slashes else text.strip(), count=1)
    return text.strip()


async def sanitize(text: str, sender_id: str, agent: Any) -> Optional[str]:
    """The text Rasa may see, or None when nothing usable is left (answer politely instead)."""
    text = _plain(text, slashes=False)
    if not text.startswith("/"):
        return text or None
    if text[1:] in PUBLIC_INTENTS or text in await _offered(agent, sender_id):
        return text
    log.info("injection guard: %r from %s is not an offered button; treated as plain text",
             text[:80], sender_id)
    return _plain(text, slashes=True) or None
