"""Second line of defence for refusals (runs after the intent classifier).

When the classifier is unsure (top confidence below ``override_below``) and the
message clearly asks for an officer's/official's personal data or salary, the
guard switches the intent to the matching ``blokir_*`` intent. Patterns live in
``guard_patterns.yml`` beside this module so trainers can edit them without code.
Each rule has ``patterns`` (any must match) and ``unless`` (none may match);
``{NAME}`` placeholders are replaced by the shared ``fragments``. Matching runs
on the lower-cased text and on its normalised form (slang_norms.yml).

It never fires when the classifier already picked a blokir_* intent or is
confident about another intent, and it adds ``refusal_guard`` to the parse output
when it fires, so the change is visible in logs and evaluation reports.
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

DEFAULT_PATTERNS_FILE = Path(__file__).with_name("guard_patterns.yml")
_WORD = re.compile(r"\w+", re.UNICODE)


class GuardRule:
    def __init__(self, rule_id: Text, intent: Text, patterns: List[Text], unless: List[Text]):
        self.id = rule_id
        self.intent = intent
        self.patterns = [re.compile(p, re.IGNORECASE) for p in patterns]
        self.unless = [re.compile(p, re.IGNORECASE) for p in unless]

    def matches(self, texts: List[Text]) -> bool:
        if any(u.search(t) for u in self.unless for t in texts):
            return False
        return any(p.search(t) for p in self.patterns for t in texts)


def load_rules(path: Path = DEFAULT_PATTERNS_FILE) -> List[GuardRule]:
    """Parses the guard YAML file; raises ValueError with the rule id on bad input."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    fragments = {str(k): str(v) for k, v in (data.get("fragments") or {}).items()}
    common_unless = [str(u) for u in data.get("unless_all") or []]

    def expand(pattern: Text) -> Text:
        for name, value in fragments.items():
            pattern = pattern.replace("{" + name + "}", value)
        return pattern

    rules = []
    for i, raw in enumerate(data.get("rules") or []):
        rule_id = str(raw.get("id") or f"rule_{i}")
        intent = str(raw.get("intent") or "")
        if not intent.startswith("blokir_"):
            raise ValueError(f"guard rule {rule_id}: intent must start with blokir_")
        try:
            rules.append(
                GuardRule(
                    rule_id,
                    intent,
                    [expand(str(p)) for p in raw.get("patterns") or []],
                    [expand(str(u)) for u in common_unless + list(raw.get("unless") or [])],
                )
            )
        except re.error as exc:
            raise ValueError(f"guard rule {rule_id}: bad regular expression: {exc}")
    return rules


def normalised_text(text: Text) -> Text:
    from nlu_components.indonesian_tokenizer import load_slang_norms

    norms = load_slang_norms()
    return " ".join(norms.get(w, w) for w in _WORD.findall(text.lower()))


def check(text: Text, rules: List[GuardRule]) -> Optional[GuardRule]:
    """Returns the first rule that fires on ``text`` (or None)."""
    texts = [text.lower(), normalised_text(text)]
    for rule in rules:
        if rule.matches(texts):
            return rule
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class RefusalGuard(GraphComponent):
    """Switches unsure personal-data/salary requests to blokir_* intents."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # only override when the classifier's top confidence is below this
            "override_below": 0.8,
            # confidence given to the blokir_* intent when a rule fires
            "confidence": 0.9,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        if DEFAULT_PATTERNS_FILE.exists():
            return hashlib.sha256(DEFAULT_PATTERNS_FILE.read_bytes()).hexdigest()
        return None

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        self.rules = load_rules()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RefusalGuard":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        name = intent.get("name") or ""
        confidence = float(intent.get("confidence") or 0.0)
        if not text or name.startswith("blokir_"):
            return
        if name and confidence >= self._config["override_below"]:
            return
        rule = check(text, self.rules)
        if rule is None:
            return
        new_conf = float(self._config["confidence"])
        ranking = [
            r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != rule.intent
        ]
        ranking.insert(0, {"name": rule.intent, "confidence": new_conf})
        message.set(INTENT, {"name": rule.intent, "confidence": new_conf}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set(
            "refusal_guard",
            {"rule": rule.id, "original_intent": name, "original_confidence": confidence},
            add_to_output=True,
        )
        logger.debug("refusal guard rule %s: %s -> %s", rule.id, name, rule.intent)
