"""Incident-kind matching: free text ("ada tabrakan", "kemalingan") -> a kind of vocabulary.JENIS."""
from __future__ import annotations

import re
import unicodedata
from typing import List, Optional, Tuple

from .vocabulary import JENIS

_JENIS_KATA: List[Tuple[str, Tuple[str, ...]]] = [
    ("kecelakaan_lalu_lintas", (
        "kecelakaan", "tabrakan", "bertabrakan", "laka", "lakalantas", "laka lantas", "lalu lintas",
        "lalin", "ketabrak", "tertabrak", "nabrak", "menabrak", "ditabrak", "terguling",
        "terjatuh dari motor", "tabrak lari", "serempetan", "keserempet",
    )),
    ("bencana_alam", (
        "bencana", "banjir", "longsor", "gempa", "puting beliung", "angin kencang", "pohon tumbang",
        "tsunami", "rob", "erupsi", "kekeringan", "tanah bergerak", "banjir bandang", "abrasi",
    )),
    ("gangguan_kamtibmas", (
        "kamtibmas", "gangguan", "tawuran", "keributan", "ribut", "pencurian", "curi", "maling",
        "begal", "perampokan", "rampok", "jambret", "copet", "perkelahian", "berkelahi", "pengeroyokan",
        "dikeroyok", "penipuan", "tipu", "kerusuhan", "mabuk", "miras", "narkoba", "judi",
        "penganiayaan", "kekerasan", "pembunuhan", "premanisme", "preman", "pemalakan", "palak",
        "balap liar", "geng motor", "vandalisme", "pengrusakan", "perusakan", "orang mencurigakan",
        "pelecehan", "kdrt", "ancaman", "diancam", "penculikan", "dicuri", "colong", "kemalingan",
        "curanmor", "jambret", "rampas", "pemerasan", "pungli", "knalpot brong", "bully", "teror",
        "ricuh", "geger", "onar", "mayat", "dipukul", "kehilangan motor", "sabung ayam",
    )),
    ("lainnya", ("lainnya", "lain-lain", "lain lain", "yang lain", "lain", "kebakaran", "terbakar",
                 "orang hilang", "hilang", "tenggelam")),
]


def _norm_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("_", " ")
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s-]", " ", text)).strip()


def normalize_jenis(text: Optional[str]) -> Optional[str]:
    """Map free text or a canonical value to one of JENIS; None when nothing matches."""
    if not text:
        return None
    raw = str(text).strip()
    if raw in JENIS:
        return raw
    t = _norm_text(raw)
    if not t:
        return None
    for key, label in JENIS.items():
        if t == key.replace("_", " ") or t == label.lower():
            return key
    words = f" {t} "
    for key, kata in _JENIS_KATA:
        for k in kata:
            if f" {k} " in words or (len(k) >= 5 and k in t):
                return key
    return None
