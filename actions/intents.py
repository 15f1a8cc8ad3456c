"""The intent table (actions/intents.yml): one row per intent of the domain.

Every piece of code that needs to know what an intent means reads it from here:
the answer (knowledge entry or special action), the clarification button title, the subject
and attribute a follow-up question resolves against, and keyword refinements.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import yaml

TABLE_FILE = Path(__file__).resolve().with_name("intents.yml")

_lock = threading.Lock()
_cache: Dict[str, Tuple[float, "IntentTable"]] = {}


class IntentTable:
    def __init__(self, rows: Dict[Text, Dict[Text, Any]]):
        self.rows = rows
        self._refine: Dict[Text, List[Tuple["re.Pattern[str]", Dict[Text, Any]]]] = {
            name: [(re.compile(r["kata"], re.IGNORECASE), r) for r in row.get("refine") or []]
            for name, row in rows.items()
        }

    def row(self, intent: Text) -> Dict[Text, Any]:
        return self.rows.get(intent) or {}

    def judul(self, intent: Text) -> Optional[Text]:
        return self.row(intent).get("judul")

    def titled(self) -> Dict[Text, Text]:
        """{intent: title} for every intent that may be offered as a button."""
        return {name: row["judul"] for name, row in self.rows.items() if row.get("judul")}

    def refinement(self, intent: Text, text: Text) -> Optional[Dict[Text, Any]]:
        """First refinement of `intent` whose regex matches: {"entry": id} or {"fakta": id}."""
        for pattern, ref in self._refine.get(intent, []):
            if pattern.search(text or ""):
                return ref
        return None

    def entry_for(self, intent: Text, text: Text = "") -> Optional[Text]:
        ref = self.refinement(intent, text)
        if ref and ref.get("entry"):
            return ref["entry"]
        return self.row(intent).get("entry")

    def intent_for_entry(self, entry_id: Text) -> Optional[Text]:
        """The intent that answers an entry: the one whose own entry it is, else the first
        whose keyword refinements lead to it (lanjut_* and blokir_* never)."""
        rows = [(n, r) for n, r in self.rows.items() if not n.startswith(("lanjut_", "blokir_"))]
        for name, row in rows:
            if row.get("entry") == entry_id:
                return name
        for name, row in rows:
            if any(ref.get("entry") == entry_id for ref in row.get("refine") or []):
                return name
        return None

    def follow_up(self, subjek: Text, atribut: Text, layanan: Optional[Text] = None,
                  last_intent: Optional[Text] = None) -> Optional[Text]:
        """The intent answering `atribut` of `subjek` (direct attribute first, then `juga`).

        Among several, the one for the current service (baru/perpanjang) wins, then the
        intent answered last, then the table order.
        """
        direct = [n for n, r in self.rows.items() if r.get("subjek") == subjek
                  and r.get("atribut") == atribut and not n.startswith("lanjut_")]
        also = [n for n, r in self.rows.items() if r.get("subjek") == subjek
                and atribut in (r.get("juga") or [])]
        if layanan:
            same = [n for n in direct + also if self.row(n).get("layanan") == layanan]
            if same:
                return same[0]
        for group in (direct, also):
            if last_intent in group:
                return last_intent
            if group:
                return group[0]
        return None

    def for_subject(self, subjek: Text) -> List[Text]:
        return [n for n, r in self.rows.items() if r.get("subjek") == subjek and r.get("judul")]

    def with_attribute(self, atribut: Text) -> List[Text]:
        return [n for n, r in self.rows.items() if r.get("judul") and not n.startswith("lanjut_")
                and (r.get("atribut") == atribut or atribut in (r.get("juga") or []))]


def _load(path: Path) -> IntentTable:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = data.get("intents") or {}
    if not isinstance(rows, dict) or not rows:
        raise ValueError(f"{path}: 'intents' must be a non-empty mapping")
    return IntentTable(rows)


def table(path: Optional[Path] = None) -> IntentTable:
    """The (cached, reloaded when the file changes) intent table."""
    path = Path(path or TABLE_FILE)
    mtime = path.stat().st_mtime
    with _lock:
        hit = _cache.get(str(path))
        if hit and hit[0] == mtime:
            return hit[1]
    loaded = _load(path)
    with _lock:
        _cache[str(path)] = (mtime, loaded)
    return loaded
