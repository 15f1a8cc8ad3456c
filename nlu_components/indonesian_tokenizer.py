"""Tokenizer built on spaCy's blank Indonesian language (``spacy.blank("id")``).

Each token's ``lemma`` is set to a normalised form, so featurizers with
``use_lemma: true`` (the default of CountVectorsFeaturizer) see ``gak`` and
``nggak`` as ``tidak`` and ``yg`` as ``yang``. Normal forms come from

1. ``slang_norms.yml`` beside this module (trainer-editable; chat abbreviations
   and a few Javanese words), then
2. the Indonesian ``lexeme_norm`` table of ``spacy-lookups-data`` (loaded offline
   from the installed package).

Rasa's SpacyNLP cannot load ``blank:id``; building the blank pipeline here avoids
model-path problems. Reference it in config.yml as
``nlu_components.indonesian_tokenizer.IndonesianTokenizer``.
"""
from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

DEFAULT_NORMS_FILE = Path(__file__).with_name("slang_norms.yml")


def load_slang_norms(path: Path = DEFAULT_NORMS_FILE) -> Dict[Text, Text]:
    """Reads ``{norms: {word: normal form}}`` from a YAML file (lower-cased keys).

    Parsed once per file version (path + modification time): the refusal guard asks for the
    list on every unsure message, and parsing the YAML took about 50 ms each time."""
    if not path.exists():
        return {}
    return dict(_parsed_norms(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _parsed_norms(path: Text, mtime_ns: int) -> Tuple[Tuple[Text, Text], ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    norms = data.get("norms") or {}
    return tuple((str(k).strip().lower(), str(v).strip().lower()) for k, v in norms.items())


@lru_cache(maxsize=1)
def load_lexeme_norms() -> Any:
    """Indonesian ``lexeme_norm`` table of spacy-lookups-data (None if unavailable).

    The spaCy ``Table`` stores hashed keys, so look words up with ``table.get(word)``.
    """
    try:
        from spacy.lookups import load_lookups

        return load_lookups("id", ["lexeme_norm"], strict=True).get_table("lexeme_norm")
    except Exception as exc:  # pragma: no cover - only without spacy-lookups-data
        logger.warning("Indonesian lexeme_norm table not available: %s", exc)
        return None


@lru_cache(maxsize=1)
def _blank_id():
    import spacy

    return spacy.blank("id")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class IndonesianTokenizer(Tokenizer):
    """spaCy blank("id") tokenizer with lexeme-norm lemmas."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # use the spacy-lookups-data lexeme_norm table
            "use_lexeme_norm": True,
            # use nlu_components/slang_norms.yml
            "use_slang_norms": True,
            # keep punctuation tokens such as "?" (WhitespaceTokenizer drops them)
            "keep_punctuation": False,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """Retrain when the norms file changes (Rasa caches by fingerprint)."""
        digest = hashlib.sha256()
        if DEFAULT_NORMS_FILE.exists():
            digest.update(DEFAULT_NORMS_FILE.read_bytes())
        table = load_lexeme_norms()
        digest.update(str(len(table) if table is not None else 0).encode())
        digest.update(repr(sorted(config.items(), key=str)).encode())
        return digest.hexdigest()

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.norms: Dict[Text, Text] = {}
        self.lexeme_norms = (
            load_lexeme_norms() if self._config.get("use_lexeme_norm", True) else None
        )
        if self._config.get("use_slang_norms", True):
            self.norms.update(load_slang_norms())
        self.nlp = _blank_id()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IndonesianTokenizer":
        return cls(config)

    def normalise(self, word: Text) -> Text:
        lower = word.lower()
        if lower in self.norms:
            return self.norms[lower]
        if self.lexeme_norms is not None:
            norm = self.lexeme_norms.get(lower)
            if norm:
                return str(norm)
        return lower

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        doc = self.nlp.make_doc(text)
        tokens = [
            Token(t.text, t.idx, lemma=self.normalise(t.text))
            for t in doc
            if t.text.strip() and (self._config.get("keep_punctuation") or not t.is_punct)
        ]
        if not tokens:
            tokens = [Token(text, 0, lemma=text.lower())]
        return self._apply_token_pattern(tokens)
