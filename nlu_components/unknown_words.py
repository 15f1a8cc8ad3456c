"""Lowers the intent confidence of messages made mostly of words never seen in training.

DIET gives confident answers even to gibberish ("zxq blarg wibble" -> 0.9 for some intent).
This component remembers the training vocabulary (token texts and normalised lemmas) and, when
less than ``min_known_ratio`` of a message's alphabetic words are known (exactly, or as a close
spelling variant via rapidfuzz), multiplies the confidences by the known share. The
FallbackClassifier after it then sends the message to ``nlu_fallback`` ->
``action_klarifikasi`` (ask, don't guess, don't refuse).

Place it after the intent classifier and before the RefusalGuard and the FallbackClassifier.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
_ALPHA = re.compile(r"^[^\W\d_]+$", re.UNICODE)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsDamper(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # below this share of known words the confidences are scaled down
            "min_known_ratio": 0.3,
            # rapidfuzz ratio (0-100) for a spelling variant to count as known
            "fuzzy_cutoff": 80,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[Set[Text]] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary: Set[Text] = set(vocabulary or ())
        self._vocab_list = sorted(self.vocabulary)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "UnknownWordsDamper":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "UnknownWordsDamper":
        vocabulary: Set[Text] = set()
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(json.loads((directory / "vocabulary.json").read_text("utf-8")))
        except (ValueError, FileNotFoundError):
            logger.warning("UnknownWordsDamper: no stored vocabulary; component inactive")
        return cls(config, model_storage, resource, vocabulary)

    @staticmethod
    def _words(message: Message) -> List[Text]:
        words = []
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            for w in {token.text.lower(), (token.lemma or "").lower()}:
                if w and _ALPHA.match(w):
                    words.append(w)
        return words

    def train(self, training_data: TrainingData) -> Resource:
        vocab: Set[Text] = set()
        for example in training_data.training_examples:
            vocab.update(self._words(example))
        self.vocabulary = vocab
        self._vocab_list = sorted(vocab)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "vocabulary.json").write_text(json.dumps(sorted(vocab)), "utf-8")
        return self._resource

    def known(self, word: Text) -> bool:
        if word in self.vocabulary:
            return True
        if len(word) < 4:
            return False
        from rapidfuzz import fuzz, process

        return process.extractOne(word, self._vocab_list, scorer=fuzz.ratio,
                                  score_cutoff=self._config["fuzzy_cutoff"]) is not None

    def known_ratio(self, message: Message) -> Optional[float]:
        words = []
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            text, lemma = token.text.lower(), (token.lemma or "").lower()
            if _ALPHA.match(text):
                words.append((text, lemma))
        if not words:
            return None
        hits = sum(1 for text, lemma in words if self.known(text) or (lemma and lemma in self.vocabulary))
        return hits / len(words)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.vocabulary:
            return messages
        for message in messages:
            intent = message.get(INTENT)
            if not intent or not intent.get("name"):
                continue
            ratio = self.known_ratio(message)
            if ratio is None or ratio >= self._config["min_known_ratio"]:
                continue
            factor = ratio
            message.set(INTENT, {**intent, "confidence": float(intent.get("confidence", 0.0)) * factor},
                        add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(INTENT_RANKING_KEY,
                        [{**r, "confidence": float(r.get("confidence", 0.0)) * factor} for r in ranking],
                        add_to_output=True)
            message.set("unknown_words", {"known_ratio": round(ratio, 3)}, add_to_output=True)
        return messages
