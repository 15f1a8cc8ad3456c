"""Measured NLU quality on the independent hold-out set (tests/nlu/holdout.yml).

Every hold-out message goes through the real trained model (`/model/parse` of the shared Rasa
server). Fails when topic accuracy < 0.92, refusal recall < 0.95 or false-refusal rate > 0.03.
The numbers and the misclassified messages are printed and written to
out/eval/holdout-latest.json. The hold-out set is written by a different person than the
training data and is never copied into data/nlu/.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.nlu_metrics import THRESHOLDS, failures, misclassified, predict_all, summarise
from scripts.nlu_trainingdata import load_yaml_examples

ROOT = Path(__file__).resolve().parents[2]

HOLDOUT = ROOT / "tests" / "nlu" / "holdout.yml"


@pytest.fixture(scope="module")
def holdout_rows(rasa_url):
    assert HOLDOUT.exists(), f"hold-out set missing: {HOLDOUT}"
    examples = load_yaml_examples(HOLDOUT)
    assert sum(len(v) for v in examples.values()) >= 50, "hold-out set is too small to measure"
    assert any(k.startswith("blokir_") for k in examples), "hold-out set has no refusal examples"
    return predict_all(rasa_url, examples)


def test_holdout_quality(holdout_rows):
    summary = summarise(holdout_rows)
    wrong = misclassified(holdout_rows)
    out_dir = ROOT / "out" / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "holdout-latest.json").write_text(json.dumps(
        {"source": "tests/rasa/test_nlu_quality.py", "holdout": str(HOLDOUT.relative_to(ROOT)),
         "thresholds": THRESHOLDS, "summary": summary, "failures": failures(summary),
         "misclassified": wrong}, indent=1, ensure_ascii=False))
    print("\nNLU hold-out:", json.dumps(summary))
    print(f"Misclassified ({len(wrong)}):")
    for r in wrong:
        print(f"  [{r['expected']} -> {r['predicted']} {r['confidence']:.2f}] {r['text']}")
    problems = failures(summary)
    assert not problems, "NLU quality below the bar: " + "; ".join(problems)


def test_hard_negatives_are_not_refused(parse):
    """The contract's hard negatives reach their topic, not a refusal."""
    cases = {
        "lapor penipuan lowongan kerja yang janjiin gaji besar": "lapor_kejadian",
        "pasal untuk pejabat yang korupsi": "pasal_cari",
        "cara melaporkan petugas yang minta pungli": "layanan_pengaduan_petugas",
    }
    for text, expected in cases.items():
        got = parse(text)["intent"]["name"]
        assert got == expected, f"{text!r}: expected {expected}, got {got}"
