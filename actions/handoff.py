"""`action_handoff`: the citizen asks for a live officer (intent layanan_handoff, issue 15).

Opens (or finds) the citizen's ticket in the Kamtibmas service over HTTP (handoff.client; the
same token and address as the report API) and says what happens next. It never hands off a
refused request: when the message also asks for something the refusal policy refuses (an
officer's salary or private data, breaking the law, off-topic), the matching refusal answers
instead (utter_blokir_* / action_blokir_*) and no ticket is opened.
While handed off, the gateways (Matrix bridge, web chat channel) send the citizen's messages to
the operators and never to Rasa; this action only opens the ticket.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text
from actions.lapor_status import reporter_of
from handoff import texts
from handoff.client import HandoffClient, HandoffUnavailable

logger = logging.getLogger(__name__)

GUARD_FILE = Path(__file__).resolve().parents[1] / "nlu_components" / "guard_patterns.yml"
# A refusal intent ranked at least this high in the same message means: refuse, do not hand off.
REFUSAL_RANK = 0.25
REFUSAL_ACTION = {"blokir_gaji": "utter_blokir_gaji", "blokir_pribadi": "utter_blokir_pribadi",
                  "blokir_luar_topik": "utter_blokir_luar_topik",
                  "blokir_melanggar_hukum": "action_blokir_melanggar_hukum"}
TURNS = 6


@lru_cache(maxsize=1)
def _guard_rules() -> List[tuple]:
    """(intent, patterns, unless) of nlu_components/guard_patterns.yml, the refusal guard's rules
    (the same file, so the action and the NLU pipeline refuse the same things)."""
    data = yaml.safe_load(GUARD_FILE.read_text(encoding="utf-8")) or {}
    frags = {str(k): str(v) for k, v in (data.get("fragments") or {}).items()}

    def expand(p: Text) -> re.Pattern:
        for name, value in frags.items():
            p = p.replace("{" + name + "}", value)
        return re.compile(p, re.IGNORECASE)

    common = [expand(u) for u in data.get("unless_all") or []]
    return [(str(r["intent"]), [expand(p) for p in r.get("patterns") or []],
             common + [expand(u) for u in r.get("unless") or []]) for r in data.get("rules") or []]


def refusal_of(text: Text, ranking: List[Dict[Text, Any]]) -> Optional[Text]:
    """The blokir_* intent this message must be refused with, or None."""
    low = (text or "").lower()
    for intent, patterns, unless in _guard_rules():
        if any(p.search(low) for p in patterns) and not any(u.search(low) for u in unless):
            return intent
    for item in ranking or []:
        name = str(item.get("name") or "")
        if name.startswith("blokir_") and float(item.get("confidence") or 0) >= REFUSAL_RANK:
            return name
    return None


def last_turns(tracker: Tracker, limit: int = TURNS) -> List[Dict[Text, Text]]:
    """The last user and bot texts of the conversation (masked by the service)."""
    turns = []
    for e in tracker.events or []:
        if e.get("event") == "user" and e.get("text") and not str(e["text"]).startswith("/"):
            turns.append({"dari": "warga", "teks": str(e["text"])})
        elif e.get("event") == "bot" and e.get("text"):
            turns.append({"dari": "bot", "teks": str(e["text"])})
    return turns[-limit:]


def subject_of(tracker: Tracker, text: Text) -> Text:
    topik = tracker.get_slot("subjek") or tracker.get_slot("topik")
    if text.startswith("/"):
        text = "Warga memilih \"Bicara dengan Petugas\" setelah bot belum memahami pertanyaannya"
    return f"{text} (topik sebelumnya: {topik})" if topik else text


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        refusal = refusal_of(text, (tracker.latest_message or {}).get("intent_ranking") or [])
        if refusal:
            logger.info("handoff refused: the message also asks for %s", refusal)
            return [FollowupAction(REFUSAL_ACTION.get(refusal, "utter_blokir_pribadi"))]
        me = reporter_of(tracker)
        try:
            answer = await HandoffClient().request(me["kanal"], me["pelapor"], subject_of(tracker, text),
                                                   last_turns(tracker))
        except HandoffUnavailable as exc:
            logger.error("handoff not possible: %s", exc)
            dispatcher.utter_message(text=texts.tidak_tersedia())
            return []
        dispatcher.utter_message(text=answer.get("pesan") or texts.tidak_tersedia())
        return []
