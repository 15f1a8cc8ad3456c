"""nlu_components/bucketed_diet.py: DIET's training batches hold messages of similar length, and
nothing else about an epoch changes (issue 14, training time). The shipped model is trained
with this component, so every NLU and conversation suite tests the model it produces."""
import numpy as np
import pytest
import scipy.sparse
import yaml
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.feature_array import FeatureArray
from rasa.utils.tensorflow.model_data import RasaModelData

from nlu_components.bucketed_diet import BucketedBatchDataGenerator, bucketed_order, sequence_lengths
from var_layout import ROOT


def padded_tokens(lengths, batch_size):
    """Tokens a batch sequence costs when every batch is padded to its longest message."""
    return sum(int(lengths[i:i + batch_size].max()) * len(lengths[i:i + batch_size])
               for i in range(0, len(lengths), batch_size))


def message_like_lengths(n, rng):
    """Token counts shaped like ours: mostly 3-6, a few up to 14 (not the training data)."""
    return np.clip(rng.poisson(4.5, size=n) + 1, 1, 14)


@pytest.mark.parametrize("n,batch_size,window", [(1000, 64, 4), (3300, 128, 4), (257, 64, 2),
                                                 (50, 64, 4), (640, 64, 1)])
def test_order_is_a_permutation_and_a_short_batch_stays_last(n, batch_size, window):
    rng = np.random.RandomState(n)
    lengths = message_like_lengths(n, rng)
    order = bucketed_order(lengths, batch_size, window, rng)
    assert sorted(order.tolist()) == list(range(n))
    tail = order[(n // batch_size) * batch_size:]
    last_window = (n - 1) // (batch_size * window) * (batch_size * window)
    assert all(int(i) >= last_window for i in tail)


def test_every_full_batch_comes_from_one_window_and_is_sorted():
    rng = np.random.RandomState(7)
    lengths = message_like_lengths(2000, rng)
    order = bucketed_order(lengths, 64, 4, rng)
    span = 64 * 4
    for b in range(2000 // 64):
        batch = order[b * 64:(b + 1) * 64]
        assert len({int(i) // span for i in batch}) == 1
        assert list(lengths[batch]) == sorted(lengths[batch])


def test_bucketing_cuts_the_padding_nearly_to_the_content():
    rng = np.random.RandomState(1)
    lengths = message_like_lengths(3300, rng)
    content = int(lengths.sum())
    stock = padded_tokens(lengths, 128)
    bucketed = padded_tokens(lengths[bucketed_order(lengths, 128, 4, rng)], 128)
    assert stock / content > 1.6
    assert bucketed / content < 1.4
    assert bucketed < 0.75 * stock


def test_window_zero_or_one_batch_still_shuffles_batches():
    rng = np.random.RandomState(3)
    lengths = message_like_lengths(640, rng)
    one = bucketed_order(lengths, 64, 1, rng)
    assert sorted(one.tolist()) == list(range(640))
    assert not np.array_equal(one, np.arange(640))


def model_data(lengths, labels):
    sequence = np.array([scipy.sparse.coo_matrix(np.ones((n, 5))) for n in lengths] + [None],
                        dtype=object)[:-1]
    label_ids = np.array([[label] for label in labels])
    return RasaModelData(label_key="label", label_sub_key="ids", data={
        "text": {"sequence": [FeatureArray(sequence, number_of_dimensions=3)]},
        "label": {"ids": [FeatureArray(label_ids, number_of_dimensions=2)]},
    })


def test_generator_batches_hold_similar_lengths_and_every_example_once():
    rng = np.random.RandomState(5)
    n = 900
    lengths = message_like_lengths(n, rng)
    labels = rng.randint(0, 12, size=n)
    data = model_data(lengths, labels)
    assert list(sequence_lengths(data.data)) == list(lengths)
    np.random.seed(11)
    stock = RasaBatchDataGenerator(data, batch_size=64, epochs=2, batch_strategy="sequence")
    np.random.seed(11)
    bucketed = BucketedBatchDataGenerator(data, batch_size=64, epochs=2, batch_strategy="sequence",
                                          window=4)
    assert len(bucketed) == len(stock)
    stock_lengths, bucketed_lengths = (sequence_lengths(g._data) for g in (stock, bucketed))
    assert sorted(bucketed_lengths) == sorted(stock_lengths) == sorted(lengths)
    assert padded_tokens(bucketed_lengths, 64) < 0.8 * padded_tokens(stock_lengths, 64)
    # the labels travel with their examples
    bucketed_labels = bucketed._data["label"]["ids"][0][:, 0]
    pairs = sorted(zip(sequence_lengths(bucketed._data), bucketed_labels, strict=True))
    assert pairs == sorted(zip(lengths, labels, strict=True))
    batch, _ = bucketed[0]
    assert batch is not None


def test_balanced_strategy_keeps_the_balancing():
    rng = np.random.RandomState(9)
    lengths = message_like_lengths(700, rng)
    labels = np.where(rng.rand(700) < 0.05, 1, 0)   # one rare class
    data = model_data(lengths, labels)
    np.random.seed(2)
    stock = RasaBatchDataGenerator(data, batch_size=64, epochs=1, batch_strategy="balanced")
    np.random.seed(2)
    bucketed = BucketedBatchDataGenerator(data, batch_size=64, epochs=1, batch_strategy="balanced")
    count = lambda g: np.bincount(g._data["label"]["ids"][0][:, 0].astype(int), minlength=2)  # noqa: E731
    assert list(count(bucketed)) == list(count(stock))


def test_shipped_config_trains_the_bucketed_diet():
    config = yaml.safe_load((ROOT / "rasa_project" / "config.yml").read_text())
    names = [component["name"] for component in config["pipeline"]]
    assert "nlu_components.bucketed_diet.BucketedDIETClassifier" in names
    assert "DIETClassifier" not in names
