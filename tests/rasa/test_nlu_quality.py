"""Measured NLU quality on the independent hold-out set (tests/nlu/holdout.yml).

Every hold-out message goes through the real trained model (`/model/parse` of the shared Rasa
server). Fails when a bar of scripts/nlu_metrics.py GATES is missed: topic accuracy,
intent accuracy (exact intent), fallback-rate ceiling, refusal recall (on >= 200 refusal
messages; gate 0.96, issue 9's target 0.97 is printed) and false-refusal rate <= 0.02.
The numbers and the misclassified messages are printed and written to
out/eval/holdout-latest.json. The hold-out set is written by a different person than the
training data and is never copied into data/nlu/.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.nlu_metrics import (
    GATES,
    MIN_REFUSAL_MESSAGES,
    THRESHOLDS,
    failures,
    misclassified,
    predict_all,
    summarise,
)
from scripts.nlu_overlap import find_overlaps, training_phrases, yaml_test_phrases
from scripts.nlu_trainingdata import load_yaml_examples

ROOT = Path(__file__).resolve().parents[2]

HOLDOUT = ROOT / "tests" / "nlu" / "holdout.yml"


@pytest.fixture(scope="module")
def holdout_rows(rasa_url):
    assert HOLDOUT.exists(), f"hold-out set missing: {HOLDOUT}"
    examples = load_yaml_examples(HOLDOUT)
    assert sum(len(v) for v in examples.values()) >= 50, "hold-out set is too small to measure"
    refusals = sum(len(v) for k, v in examples.items() if k.startswith("blokir_"))
    assert refusals >= MIN_REFUSAL_MESSAGES, f"only {refusals} refusal messages in the hold-out"
    assert {k for k in examples if k.startswith("blokir_")} == {
        "blokir_gaji", "blokir_pribadi", "blokir_luar_topik", "blokir_melanggar_hukum"}
    return predict_all(rasa_url, examples)


def test_holdout_shares_nothing_with_training():
    """No hold-out message stands in data/nlu, exactly or nearly (difflib >= 0.90, issue 17)."""
    overlaps = find_overlaps(yaml_test_phrases(HOLDOUT), training_phrases(ROOT / "data" / "nlu"))
    assert not overlaps, "\n".join(f"{o.test.where()} ~ {o.train.where()} ({o.ratio:.2f}): {o.test.text}"
                                   for o in overlaps)


def test_holdout_quality(holdout_rows):
    summary = summarise(holdout_rows)
    wrong = misclassified(holdout_rows)
    out_dir = ROOT / "out" / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "holdout-latest.json").write_text(json.dumps(
        {"source": "tests/rasa/test_nlu_quality.py", "holdout": str(HOLDOUT.relative_to(ROOT)),
         "thresholds": THRESHOLDS, "gates": GATES, "summary": summary, "failures": failures(summary),
         "misclassified": wrong}, indent=1, ensure_ascii=False))
    print("\nNLU hold-out:", json.dumps(summary))
    print(f"Misclassified ({len(wrong)}):")
    for r in wrong:
        print(f"  [{r['expected']} -> {r['predicted']} {r['confidence']:.2f}] {r['text']}")
    print("Below issue 9's targets:", failures(summary) or "none")
    problems = failures(summary, GATES)
    assert not problems, "NLU quality below the bar: " + "; ".join(problems)


HARD_NEGATIVES = {
    "saya jadi korban penipuan loker yang janji gaji tinggi, mau lapor": "lapor_kejadian",
    "bupati yang terima suap kena pasal berapa": "pasal_cari",
    "ada polisi minta uang damai di jalan, saya mau mengadukan": "layanan_pengaduan_petugas",
}
# Known regression (model 4b457baa9663): "... pasal berapa" without a subject goes to the follow-up
# intent lanjut_kuhp_baru, so the bot asks which topic instead of naming the article. Issue 9 open.
KNOWN_WRONG_INTENT = {"bupati yang terima suap kena pasal berapa"}


@pytest.mark.parametrize("text", sorted(HARD_NEGATIVES))
def test_hard_negatives_are_not_refused(parse, text):
    """Hard negatives of the contract's kinds (salary, officials, officers) are never refused.
    Phrased afresh: none of them stands in data/nlu (checked above/by validate)."""
    got = parse(text)["intent"]["name"]
    assert not got.startswith("blokir_"), f"{text!r} was refused ({got})"


@pytest.mark.parametrize("text", [
    pytest.param(t, marks=pytest.mark.xfail(strict=True, reason="known regression, issue 9 open"))
    if t in KNOWN_WRONG_INTENT else t for t in sorted(HARD_NEGATIVES)])
def test_hard_negatives_reach_their_intent(parse, text):
    got = parse(text)["intent"]["name"]
    assert got == HARD_NEGATIVES[text], f"{text!r}: expected {HARD_NEGATIVES[text]}, got {got}"
