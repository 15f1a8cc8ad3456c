"""Specific facts and offence conditions (knowledge/fakta/*.yml), validated by JSON Schema.

- `load_facts()` -> list of fact dicts (fakta.yml): one sentence that leads an answer when the
  message matches the fact's `kata` regex and the intent is one of its `intents`.
- `find_fact(facts, intent, text, kb)` -> (fact, sentence) or None.
- `load_conditions()` -> {"kondisi": {key: {label, kata}}, "tautan": {record_id: {key: link}}}.
- `detect_condition(conditions, text)` -> condition key or None (first listed that matches).
Leaf module like the rest of knowledge/: stdlib + PyYAML + jsonschema only.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .loader import KnowledgeError, read_yaml, validate_doc

FAKTA_DIR = Path(__file__).resolve().parent / "fakta"
FACTS_FILE = FAKTA_DIR / "fakta.yml"
CONDITIONS_FILE = FAKTA_DIR / "pasal_kondisi.yml"

_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI", "7": "VII", "8": "VIII"}
_KATEGORI_RE = re.compile(r"kategori\s+(?:denda\s+)?(viii|vii|vi|v|iv|iii|ii|i|[1-8])\b", re.IGNORECASE)

# Added to a fact that is not certain (kepastian belum_pasti / berubah).
NOT_CERTAIN = "Informasi ini belum kami pastikan masih berlaku; mohon konfirmasi ke kantor polisi."

_lock = threading.Lock()
_cache: Dict[Tuple[str, str], Tuple[float, Any]] = {}


def _cached(path: Path, kind: str, build):
    key = (str(path), kind)
    mtime = path.stat().st_mtime
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] == mtime:
            return hit[1]
    value = build(path)
    with _lock:
        _cache[key] = (mtime, value)
    return value


def _compile(pattern: str, path: Path, label: str) -> "re.Pattern[str]":
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeError(f"invalid regex: {exc}", file=path, entry=label, field="kata") from exc


def _build_facts(path: Path) -> List[Dict[str, Any]]:
    doc = read_yaml(path)
    validate_doc(doc, "fakta.schema.json", path)
    facts, seen = [], set()
    for item in doc["fakta"]:
        if item["id"] in seen:
            raise KnowledgeError("duplicate fact id", file=path, entry=item["id"], field="id")
        seen.add(item["id"])
        fact = dict(item)
        fact["_re"] = _compile(item["kata"], path, item["id"])
        facts.append(fact)
    return facts


def _build_conditions(path: Path) -> Dict[str, Any]:
    doc = read_yaml(path)
    validate_doc(doc, "pasal_kondisi.schema.json", path)
    kondisi = {k: dict(v, _re=_compile(v["kata"], path, k)) for k, v in doc["kondisi"].items()}
    for record_id, links in doc["tautan"].items():
        for key in links:
            if key != "sumber" and key not in kondisi:
                raise KnowledgeError(f"unknown condition '{key}'", file=path, entry=record_id)
    return {"kondisi": kondisi, "tautan": doc["tautan"]}


def load_facts(path: Optional[Path] = None) -> List[Dict[str, Any]]:
    return _cached(Path(path or FACTS_FILE), "facts", _build_facts)


def load_conditions(path: Optional[Path] = None) -> Dict[str, Any]:
    return _cached(Path(path or CONDITIONS_FILE), "conditions", _build_conditions)


def render(fact: Dict[str, Any], text: str, kb=None) -> Optional[str]:
    """The fact's sentence; for `hitung: kategori_denda` the category named in `text`."""
    if fact.get("hitung") != "kategori_denda":
        if fact.get("kepastian", "pasti") != "pasti":
            return f"{fact['jawaban']} {NOT_CERTAIN}"
        return fact["jawaban"]
    match = _KATEGORI_RE.search(text or "")
    if not match or kb is None:
        return None
    kategori = _ROMAN.get(match.group(1), match.group(1).upper())
    maks = kb.denda_maks(kategori)
    if maks is None:
        return None
    from .format import format_rupiah

    return fact["jawaban"].format(kategori=kategori, maks=format_rupiah(maks))


def find_fact(facts: List[Dict[str, Any]], intent: str, text: str, kb=None,
              only: Optional[str] = None) -> Optional[Tuple[Dict[str, Any], str]]:
    """First fact for `intent` whose regex matches `text` (or the fact `only`)."""
    for fact in facts:
        if only is not None and fact["id"] != only:
            continue
        if only is None and intent not in fact["intents"]:
            continue
        if fact["_re"].search(text or ""):
            sentence = render(fact, text, kb)
            if sentence:
                return fact, sentence
    return None


def fact_by_id(facts: List[Dict[str, Any]], fact_id: str) -> Optional[Dict[str, Any]]:
    return next((f for f in facts if f["id"] == fact_id), None)


def detect_condition(conditions: Dict[str, Any], text: str) -> Optional[str]:
    for key, cond in conditions["kondisi"].items():
        if cond["_re"].search(text or ""):
            return key
    return None


def condition_link(conditions: Dict[str, Any], record_id: str, key: str) -> Optional[Dict[str, Any]]:
    links = conditions["tautan"].get(record_id) or {}
    link = links.get(key)
    if link is None:
        return None
    return dict(link, sumber=links.get("sumber") or [])
