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
  (knowledge/data/pasal.yml `kata_kunci`) or a domain word (fee, requirement, penalty, exam ...);
- it asks for no way around the law ("caranya", "biar", "supaya tidak ketahuan" ...);
- for `blokir_pribadi`: it asks about a penalty and names no officer or official;
- `blokir_gaji` is never taken back.
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
PASAL_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "pasal.yml"
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
        self.evade = _alternation(patterns["evade"])
        self.penalty = _alternation(patterns["penalty"])
        self.official = _alternation(patterns["official"])

    def takes_back(self, intent: Text, text: Text) -> bool:
        if intent not in self.intents or len(_WORD.findall(text)) > self.max_words:
            return False
        if not self.marker.search(text) or not self.domain.search(text) or self.evade.search(text):
            return False
        if intent == "blokir_pribadi":
            return bool(self.penalty.search(text)) and not self.official.search(text)
        return True


def offence_keywords(path: Path = PASAL_FILE) -> List[Text]:
    """Every `kata_kunci` of the pasal records (section `pasal:`; multi-word ones included)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError:
        return []
    records = list(data.get("pasal") or []) + list(data.get("entries") or [])
    words = {str(w).lower().strip() for rec in records for w in rec.get("kata_kunci") or []}
    return sorted((w for w in words if len(w) >= 4), key=len, reverse=True)


def load_shape() -> Shape:
    patterns = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8")) or {}
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
