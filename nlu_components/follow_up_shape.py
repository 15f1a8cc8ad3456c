"""A short follow-up is not refused for what it does not ask (issue 9).

"kalau menerobos lampu merah?", "klo gagal ujian bisa ngulang?" or "kalau korbannya istri
sampai tewas, ancamannya?" read, without their conversation, like off-topic, law-breaking or
personal questions, and the classifier sometimes says so. Inside a conversation they continue
its subject. This component runs after the refusal guard and before the FallbackClassifier.
It takes back a `blokir_*` intent when the message has the shape of a follow-up about the
domain:
- it is short and starts with a follow-up word ("kalau", "klo", "nek", "menawi", "terus",
  "bagaimana dengan" ...);
- it names something the assistant answers about: an offence from the knowledge base
  (knowledge/data/pasal.yml `kata_kunci`), an offence condition (knowledge/fakta/pasal_kondisi.yml)
  or a domain word (fee, requirement, penalty, exam ...);
- it asks for no way around the law ("caranya", "biar", "supaya tidak ketahuan" ...);
- for `blokir_pribadi`: it asks about a penalty and names no officer or official;
- `blokir_gaji` is never taken back.
A message classified `blokir_melanggar_hukum` that asks about the penalty of an offence we know
("denda gak pake helm berapa?") and asks for no way around it is taken back the same way, at any
length up to twice the follow-up limit.
The message then becomes `nlu_fallback`, and `action_lanjut_cek` answers it against the subject
of the conversation, or asks what is meant (never a guess). The parse output gets
`follow_up_shape: <the refused intent>` so that the change is visible in logs and reports.
Words live in follow_up_patterns.yml beside this module, so trainers can edit them.
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

PATTERNS_FILE = Path(__file__).with_name("follow_up_patterns.yml")
_WORD = re.compile(r"\w+", re.UNICODE)


def _alternation(words: List[Text]) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE)


class Shape:
    """The follow-up shape, built from follow_up_patterns.yml and the offence keywords."""

    def __init__(self, patterns: Dict[Text, Any], offence_words: List[Text]):
        self.max_words = int(patterns.get("max_words", 8))
        self.intents = set(patterns.get("intents") or [])
        self.marker = re.compile(r"^\W*(" + "|".join(patterns["markers"]) + r")\b", re.IGNORECASE)
        domain = list(patterns["domain"]) + [re.escape(w) for w in offence_words]
        self.domain = _alternation(domain)
        self.offence = _alternation([re.escape(w) for w in offence_words] or ["(?!)"])
        self.evade = _alternation(patterns["evade"])
        self.penalty = _alternation(patterns["penalty"])
        self.official = _alternation(patterns["official"])

    def takes_back(self, intent: Text, text: Text) -> bool:
        if intent == "blokir_melanggar_hukum" and self.asks_the_law(text):
            return True
        if intent not in self.intents or len(_WORD.findall(text)) > self.max_words:
            return False
        if not self.marker.search(text) or not self.domain.search(text) or self.evade.search(text):
            return False
        if intent == "blokir_pribadi":
            return bool(self.penalty.search(text)) and not self.official.search(text)
        return True

    def asks_the_law(self, text: Text) -> bool:
        """"denda gak pake helm berapa?": a question about the penalty for an offence we know,
        not a request to break the law (no way around it asked, no official named)."""
        if len(_WORD.findall(text)) > 2 * self.max_words or self.evade.search(text):
            return False
        asks = self.penalty.search(text) and self.offence.search(text)
        return bool(asks) and not self.official.search(text)


def offence_keywords() -> List[Text]:
    """Every `kata_kunci` of the pasal records (multi-word ones included), through the knowledge
    package's own loader (validated, cached)."""
    try:
        from knowledge import load_kb

        records = load_kb().pasal_records()
    except Exception:  # noqa: BLE001 - a broken knowledge base must not stop the NLU
        logger.warning("follow_up_shape: knowledge base unavailable, offence keywords not used",
                       exc_info=True)
        return []
    words = {str(w).lower().strip() for rec in records for w in rec.get("kata_kunci") or []}
    return sorted((w for w in words if len(w) >= 4), key=len, reverse=True)


def condition_words() -> List[Text]:
    """The word patterns of the offence conditions ("kalau pakai kekerasan?", "kalau malam?"),
    from knowledge.facts.load_conditions (the same table the actions answer conditions from)."""
    try:
        from knowledge.facts import load_conditions

        kondisi = load_conditions()["kondisi"]
    except Exception:  # noqa: BLE001 - as above
        logger.warning("follow_up_shape: offence conditions unavailable", exc_info=True)
        return []
    return [f"(?:{c['kata']})" for c in kondisi.values() if c.get("kata")]


def load_shape() -> Shape:
    patterns = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8")) or {}
    patterns["domain"] = list(patterns.get("domain") or []) + condition_words()
    return Shape(patterns, offence_keywords())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FollowUpShape(GraphComponent):
    """Turns a refused short follow-up about the domain into nlu_fallback (action_lanjut_cek)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        return hashlib.sha256(PATTERNS_FILE.read_bytes()).hexdigest() if PATTERNS_FILE.exists() else None

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.shape = load_shape()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FollowUpShape":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name") or ""
            text = message.get(TEXT) or ""
            if text and self.shape.takes_back(intent, text):
                logger.debug("follow_up_shape: %s taken back for a short follow-up", intent)
                message.set(INTENT, {"name": "nlu_fallback", "confidence": 1.0}, add_to_output=True)
                ranking = [{"name": "nlu_fallback", "confidence": 1.0}] + list(
                    message.get(INTENT_RANKING_KEY) or [])
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
                message.set("follow_up_shape", intent, add_to_output=True)
        return messages
