"""scripts/bench.py reports our training time only from a training that trained the classifier:
a training that restored DIET from Rasa's component cache takes seconds and says nothing about a
fresh machine (it once showed 17 s next to the baseline's cold 542 s). scripts/train.sh writes the
record; the cold figures are in docs/training-time.md."""
import json

from scripts.bench import our_training

MODEL = "chat-pak-polisi-abc123def456.tar.gz"


def write(tmp_path, name, record):
    (tmp_path / name).write_text(json.dumps(record))


def test_a_training_that_trained_the_classifier_is_reported(tmp_path):
    write(tmp_path, "last-train.json", {"model": f"models/{MODEL}", "train_seconds": 527,
                                        "classifier_trained": True})
    got = our_training(tmp_path / MODEL)
    assert got["train_seconds"] == 527
    assert "classifier trained" in got["how"]


def test_a_cache_restore_is_not_reported_as_a_training_time(tmp_path):
    write(tmp_path, "last-train.json", {"model": f"models/{MODEL}", "train_seconds": 17,
                                        "classifier_trained": False})
    got = our_training(tmp_path / MODEL)
    assert got["train_seconds"] is None
    assert "not measured" in got["how"] and "RASA_CACHE_DIRECTORY" in got["how"]


def test_an_old_record_without_the_flag_counts_as_a_restore(tmp_path):
    write(tmp_path, "last-train.json", {"model": f"models/{MODEL}", "train_seconds": 17})
    assert our_training(tmp_path / MODEL)["train_seconds"] is None


def test_another_models_record_is_not_used_but_a_cold_timing_record_is(tmp_path):
    write(tmp_path, "last-train.json", {"model": "models/chat-pak-polisi-other.tar.gz",
                                        "train_seconds": 500, "classifier_trained": True})
    assert our_training(tmp_path / MODEL)["train_seconds"] is None
    write(tmp_path, MODEL.replace(".tar.gz", ".timing.json"),
          {"wall_s": 496, "cpu_s": 782, "load_average_before": [0.97, 1.0, 1.1]})
    got = our_training(tmp_path / MODEL)
    assert got["train_seconds"] == 496
    assert "cold component cache" in got["how"]
