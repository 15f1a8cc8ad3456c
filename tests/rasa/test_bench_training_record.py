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


def test_a_seeded_copy_changes_only_the_seed_of_the_shipped_config(tmp_path):
    """`bench_training train --seed N` trains a copy of the config whose DIET uses seed N: one seed
    is one sample of a config's hold-out numbers (docs/training-time.md, Round 6)."""
    from rasa.shared.utils.io import read_yaml_file

    from scripts.bench_training import with_seed
    from var_layout import ROOT

    shipped = ROOT / "rasa_project" / "config.yml"
    copy = read_yaml_file(with_seed(shipped, 7, tmp_path / "seeded.yml"))
    original = read_yaml_file(shipped)
    seeded = [c for c in copy["pipeline"] if "random_seed" in c]
    assert [c["name"] for c in seeded] == ["DIETClassifier"] and seeded[0]["random_seed"] == 7
    seeded[0]["random_seed"] = 42
    assert copy == original


def test_a_config_without_a_seed_gets_one_on_every_diet(tmp_path):
    from rasa.shared.utils.io import read_yaml_file, write_yaml

    from scripts.bench_training import with_seed

    write_yaml({"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "DIETClassifier", "epochs": 5},
                             {"name": "FallbackClassifier"}]}, tmp_path / "stock.yml")
    got = read_yaml_file(with_seed(tmp_path / "stock.yml", 3, tmp_path / "out.yml"))
    assert got["pipeline"][1] == {"name": "DIETClassifier", "epochs": 5, "random_seed": 3}
    assert "random_seed" not in got["pipeline"][0] and "random_seed" not in got["pipeline"][2]
