"""Shared plumbing for knowledge-backed actions.

Every action that answers from the knowledge base subclasses `KnowledgeAction` and implements
`answer(dispatcher, tracker, domain, kb)`. The base class loads the (cached) knowledge base and
turns any failure into a polite Indonesian apology: a user never sees a stack trace.
"""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

SIM_FORM = "sim_jenis_form"
# Actions that run inside the SIM-class form without ending it.
SIM_FORM_ACTIONS = {"action_jawab_sim_biaya", "action_ask_jenis_sim", "action_darurat"}

# Shown when the knowledge base cannot be loaded or an action fails unexpectedly.
MAAF_GANGGUAN = (
    "Mohon maaf, sistem informasi kami sedang mengalami gangguan sehingga belum bisa menjawab "
    "pertanyaan Anda. Untuk keadaan darurat silakan hubungi Polisi 110 atau 112 (gratis, 24 jam), "
    "atau datang langsung ke kantor polisi terdekat."
)


def load_kb_or_none():
    """Return the loaded knowledge base, or None after logging why it failed."""
    try:
        from knowledge import load_kb  # imported lazily: a broken package must not kill the server

        return load_kb()
    except Exception as exc:  # KnowledgeError names file/entry/field; anything else is logged too
        logger.error("knowledge base unavailable: %s: %s", type(exc).__name__, exc)
        return None


def latest_text(tracker: Tracker) -> Text:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> Text:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def entity(tracker: Tracker, name: Text) -> Optional[Text]:
    """First value of an entity in the latest user message (None if absent)."""
    value = next(tracker.get_latest_entity_values(name), None)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def entry_text(kb, entry_id: Text) -> Optional[Text]:
    """Full Indonesian answer of an entry: text, bullet points, caveat and note."""
    from knowledge import format as kf

    entry = kb.entry(entry_id)
    if entry is None:
        logger.error("knowledge entry %s missing", entry_id)
        return None
    return kf.format_entry(entry, local=kb.local)  # local: operator-set hours/places (lokal keys)


class KnowledgeAction(Action, metaclass=ABCMeta):
    """Base class: load the knowledge base, call `answer`, never leak an exception to the chat."""

    @abstractmethod
    def name(self) -> Text:
        """Action name as listed in the domain."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        kb = load_kb_or_none()
        if kb is None:
            dispatcher.utter_message(text=MAAF_GANGGUAN)
            return self._leave_sim_form(tracker)
        try:
            events = list(self.answer(dispatcher, tracker, domain, kb) or [])
            if self.name() != "action_darurat" and dispatcher.messages:
                from actions.urgensi import SEGERA, is_urgent

                if is_urgent(latest_text(tracker)):  # a danger now: 110/112 before any answer
                    first = CollectingDispatcher()
                    first.utter_message(text=SEGERA)
                    dispatcher.messages.insert(0, first.messages[0])
            return events + self._leave_sim_form(tracker)
        except Exception:
            logger.exception("action %s failed", self.name())
            dispatcher.messages.clear()  # drop a half-built answer
            dispatcher.utter_message(text=MAAF_GANGGUAN)
            return self._leave_sim_form(tracker)

    def _leave_sim_form(self, tracker: Tracker) -> List[Dict[Text, Any]]:
        """The user changed topic while we were asking for the SIM class: drop that question."""
        if (tracker.active_loop or {}).get("name") != SIM_FORM or self.name() in SIM_FORM_ACTIONS:
            return []
        return [ActiveLoop(None), SlotSet("requested_slot", None)]

    @abstractmethod
    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        """Utter the answer from `kb`; return events. Abstract: rasa-sdk skips this class."""
