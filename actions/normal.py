"""Normal form of a chat message for keyword matching: "brp lama srt sehat brlaku" ->
"berapa lama surat sehat berlaku".

The specific-fact patterns (knowledge/fakta/fakta.yml) and the keyword refinements
(actions/intents.yml) are written in standard Indonesian with the common variants. Citizens
write abbreviations, slang and Javanese; the same word list the NLU tokenizer uses
(nlu_components/slang_norms.yml, maintained by the trainers) plus a few spellings below turn a
message into standard words, so a pattern is tried on the message as written and on its normal
form. Read-only use of the trainers' list; nothing here changes the NLU.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

logger = logging.getLogger(__name__)

NORMS_FILE = Path(__file__).resolve().parent.parent / "nlu_components" / "slang_norms.yml"
# Spellings the NLU list leaves alone (it maps whole words for the classifier, these matter for
# the fact patterns). Standard Indonesian on the right.
EXTRA: Dict[str, str] = {
    "brlaku": "berlaku", "blaku": "berlaku", "berlakune": "berlaku", "berlakunya": "berlaku",
    "berlakunipun": "berlaku", "srt": "surat", "sk": "surat keterangan", "skrg": "sekarang",
    "bs": "bisa", "iso": "bisa", "saged": "bisa", "lwt": "lewat", "liwat": "lewat", "via": "lewat",
    "thn": "tahun", "taun": "tahun", "tahune": "tahun", "bln": "bulan", "sasi": "bulan",
    "hr": "hari", "dina": "hari", "dino": "hari", "suwe": "lama", "suwene": "lama",
    "dangu": "lama", "pirang": "berapa", "kpn": "kapan", "kapan": "kapan", "dg": "dengan",
    "dgn": "dengan", "klo": "kalau", "kalo": "kalau", "kl": "kalau", "nek": "kalau",
    "menawi": "kalau", "yen": "kalau", "gak": "tidak", "nggak": "tidak", "ndak": "tidak",
    "tdk": "tidak", "ngulang": "mengulang", "mbaleni": "mengulang", "gagal": "gagal",
    "biji": "nilai", "lulus": "lulus", "nomere": "nomor", "nomernya": "nomor", "nomornya": "nomor",
    "wa": "whatsapp", "hp": "hp", "dibayar": "dibayar", "mbayar": "bayar", "byr": "bayar",
    "dibyr": "dibayar", "dibyar": "dibayar",
    "psikotes": "psikotes", "psiko": "psikologi", "dokter": "dokter", "sehat": "sehat",
    "poine": "poin", "poinnya": "poin", "pointnya": "poin", "point": "poin",
    "yuswa": "usia", "yuswanipun": "usia", "umure": "umur", "ngancem": "mengancam",
    "ngancam": "mengancam",
}

_lock = threading.Lock()
_cache: Optional[Tuple[float, Dict[str, str]]] = None


def _norms() -> Dict[str, str]:
    global _cache
    try:
        mtime = NORMS_FILE.stat().st_mtime
    except OSError:
        return dict(EXTRA)
    with _lock:
        if _cache and _cache[0] == mtime:
            return _cache[1]
    try:
        data = yaml.safe_load(NORMS_FILE.read_text(encoding="utf-8")) or {}
        table = {str(k).lower(): str(v).lower() for k, v in (data.get("norms") or {}).items()}
    except (OSError, yaml.YAMLError) as exc:  # the list is optional for answering
        logger.warning("slang list unreadable (%s): matching on the raw message only", exc)
        table = {}
    # "buat"/"membuat" -> "bikin" and "min" -> "admin" help the classifier, not fact patterns
    for word in ("buat", "membuat", "pembuatan", "min", "no", "g", "sabu", "ganja"):
        table.pop(word, None)
    table.update(EXTRA)
    with _lock:
        _cache = (mtime, table)
    return table


def normal_text(text: str) -> str:
    """Every word replaced by its normal form (lower case; punctuation kept as spaces)."""
    table = _norms()
    words = re.findall(r"\w+|[^\w\s]", (text or "").lower())
    return " ".join(table.get(w, w) for w in words)


def variants(text: str) -> Tuple[str, ...]:
    """The message as written, then its normal form when that differs."""
    norm = normal_text(text)
    return (text or "",) if norm == (text or "").lower() else (text or "", norm)
