"""DIET trained on batches of similar-length messages (issue 14: training time).

Rasa's data generator cuts each epoch's shuffled (and class-balanced) examples into consecutive
batches, and every batch is padded to its longest message. Our messages are short (about 5 tokens
on average, 14 at most), so a random batch of 64-256 almost always holds one long message and is
about twice as long as its content: half of the transformer's work is on padding.

`BucketedDIETClassifier` is DIETClassifier with one change in training: after Rasa's own shuffle
and balance, the examples of every window of `bucket_batches` consecutive batches are sorted by
length and cut into batches, and the order of the full batches is shuffled again. Each example
still appears exactly as often per epoch as in stock DIET, and a batch still mixes intents from
its window; only which examples share a batch changes. Prediction, the saved model and every
other setting are DIET's own. Measurements and the decision: docs/training-time.md, Round 4.
"""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, Optional, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers import diet_classifier
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils import train_utils
from rasa.utils.tensorflow.constants import SEQUENCE
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import Data, RasaModelData

BUCKET_BATCHES = "bucket_batches"


def sequence_lengths(data: Data) -> Optional[np.ndarray]:
    """Number of tokens of every example, from the text's sequence features (None if absent)."""
    features = data.get(TEXT, {}).get(SEQUENCE) or []
    if not features:
        return None
    return np.fromiter((example.shape[0] for example in features[0]), dtype=np.int64,
                       count=len(features[0]))


def bucketed_order(lengths: np.ndarray, batch_size: int, window: int, rng: Any) -> np.ndarray:
    """A permutation of range(len(lengths)): within each window of `window` batches, examples
    sorted by length (stable, so ties keep the shuffled order) and cut into batches; the full
    batches of the whole epoch in random order (`rng.permutation`), a short last batch stays last."""
    n, span = len(lengths), batch_size * max(1, window)
    order = np.concatenate([start + np.argsort(lengths[start:start + span], kind="stable")
                            for start in range(0, n, span)]) if n else np.arange(0)
    full = n // batch_size
    batches = order[:full * batch_size].reshape(full, batch_size) if full else order[:0].reshape(0, 1)
    return np.concatenate([batches[rng.permutation(full)].reshape(-1), order[full * batch_size:]])


class BucketedBatchDataGenerator(RasaBatchDataGenerator):
    """RasaBatchDataGenerator whose batches hold examples of similar length."""

    def __init__(self, model_data: RasaModelData, *args: Any, window: int = 4, **kwargs: Any):
        self._window = window
        super().__init__(model_data, *args, **kwargs)

    def _shuffle_and_balance(self, batch_size: int) -> Data:
        data = super()._shuffle_and_balance(batch_size)
        lengths = sequence_lengths(data)
        if lengths is None or not self.shuffle or len(lengths) <= batch_size:
            return data
        # numpy's global generator, as Rasa's shuffle: seeded by DIET's random_seed
        ids = bucketed_order(lengths, batch_size, self._window, np.random)
        return RasaModelData._data_for_ids(data, ids)


@contextlib.contextmanager
def _bucketed_generators(window: int) -> Iterator[None]:
    """While DIET trains, `train_utils.create_data_generators` builds bucketed generators."""
    stock = train_utils.create_data_generators

    def create(model_data: RasaModelData, batch_sizes: Any, epochs: int, batch_strategy: Text,
               eval_num_examples: int = 0, random_seed: Optional[int] = None,
               shuffle: bool = True, drop_small_last_batch: bool = False) -> Any:
        # as train_utils.create_data_generators, with the bucketed generator for training
        options = dict(batch_size=batch_sizes, epochs=epochs, batch_strategy=batch_strategy,
                       shuffle=shuffle, drop_small_last_batch=drop_small_last_batch)
        validation = None
        if eval_num_examples > 0:
            model_data, held_out = model_data.split(eval_num_examples, random_seed)
            validation = RasaBatchDataGenerator(held_out, **options)
        return BucketedBatchDataGenerator(model_data, window=window, **options), validation

    diet_classifier.train_utils.create_data_generators = create
    try:
        yield
    finally:
        diet_classifier.train_utils.create_data_generators = stock


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class BucketedDIETClassifier(DIETClassifier):
    """DIETClassifier trained on length-bucketed batches (`bucket_batches`: window in batches;
    0 trains exactly like DIETClassifier)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DIETClassifier.get_default_config(), BUCKET_BATCHES: 4}

    def train(self, training_data: TrainingData) -> Resource:
        window = int(self.component_config.get(BUCKET_BATCHES) or 0)
        if window <= 0:
            return super().train(training_data)
        with _bucketed_generators(window):
            return super().train(training_data)
