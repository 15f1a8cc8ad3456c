"""NLU quality numbers shared by scripts/nlu_eval.py and tests/rasa/test_nlu_quality.py.

Definitions (docs/nlu-pipeline.md, tests/nlu/README.md):
- topic accuracy: the predicted intent's topic (text before the first "_") equals the expected
  topic; a prediction of nlu_fallback always counts as wrong. "Topic" is the naming contract's
  service area (sim, skck, layanan, pasal, lapor, sapaan, blokir; lanjut_ = no topic), so all
  sim_* intents ARE one topic here on purpose: it answers "did the message reach the right
  service area". The exact figure is intent accuracy, which has its own threshold.
- intent accuracy: predicted intent == expected intent (nlu_fallback counts as wrong).
- fallback rate: share of messages predicted as nlu_fallback (a ceiling: the bot asks back
  instead of answering).
- refusal recall: share of expected blokir_* messages predicted as any blokir_* intent.
- false-refusal rate: share of expected non-blokir messages predicted as a blokir_* intent.
Standard library only.
"""
from __future__ import annotations

import json
import urllib.request
from typing import Dict, Iterable, List

# Measured on the decontaminated hold-out (654 messages), model chat-pak-polisi-ce66f477da4c
# (2026-11-30): intent accuracy 0.9235, fallback rate 0.0245. The bars sit about two standard
# errors away (sqrt(p(1-p)/n) = 0.010 resp. 0.006) so that a retrain on slightly different data
# does not fail by chance, while a real regression of a few points does.
INTENT_BAR = 0.90
FALLBACK_CEILING = 0.04
# Refusal bars from issue 9/17. Intent accuracy and the fallback ceiling were set from the
# decontaminated hold-out on the model of 2026-11-30 (see tests/nlu/README.md, "Thresholds").
THRESHOLDS = {"topic_accuracy": 0.92, "intent_accuracy": INTENT_BAR, "fallback_rate": FALLBACK_CEILING,
              "refusal_recall": 0.97, "false_refusal_rate": 0.02}
# What `make test` holds: the targets themselves. Until session 3 of 2026-11-30 refusal recall was
# held at 0.96 (measured 0.967 = 203/210) and the fallback rate at 0.046 (measured 0.044, the openly
# lowered ceiling of issue 15). The FallbackClassifier threshold was then chosen on the validation
# split (0.5 -> 0.45; docs/training-time.md, Round 3): the same DIET weights measure refusal recall
# 0.9714 (204/210) and fallback 0.0291 on the hold-out, so both gates are back at the targets.
GATES = dict(THRESHOLDS)
MIN_REFUSAL_MESSAGES = 200


def topic(intent: str) -> str:
    return (intent or "").split("_", 1)[0]


def is_refusal(intent: str) -> bool:
    return (intent or "").startswith("blokir_")


def parse(rasa_url: str, text: str, timeout: float = 60) -> dict:
    from scripts.servers import with_token  # Rasa's API token (RASA_TOKEN or var/rasa/api.token)

    req = urllib.request.Request(
        with_token(rasa_url.rstrip("/") + "/model/parse"),
        data=json.dumps({"text": text}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


def predict_all(rasa_url: str, examples: Dict[str, List[str]]) -> List[dict]:
    """One row per message: text, expected, predicted, confidence, guard rule (if it fired)."""
    rows = []
    for expected, texts in examples.items():
        for text in texts:
            result = parse(rasa_url, text)
            intent = result.get("intent") or {}
            ranking = result.get("intent_ranking") or []
            # below the fallback: the intent the classifier would have chosen
            top_real = next((r for r in ranking if r.get("name") != "nlu_fallback"), {})
            rows.append({
                "text": text,
                "expected": expected,
                "predicted": intent.get("name") or "",
                "confidence": round(float(intent.get("confidence") or 0.0), 4),
                "ranked_first": top_real.get("name"),
                "guard": (result.get("refusal_guard") or {}).get("rule"),
            })
    return rows


# Per message, for each hold-out line: does the message count (subset), is its outcome the event
# the line counts (a correct intent, a refusal, a fallback ...), which direction is better, and the
# line's value when no message counts. `summarise` and `paired` both read the lines from here.
PER_MESSAGE = {
    "topic_accuracy": (lambda r: True, lambda r: r["predicted"] != "nlu_fallback"
                       and topic(r["predicted"]) == topic(r["expected"]), "higher", 0.0),
    "intent_accuracy": (lambda r: True, lambda r: r["predicted"] == r["expected"], "higher", 0.0),
    "refusal_recall": (lambda r: is_refusal(r["expected"]), lambda r: is_refusal(r["predicted"]),
                       "higher", 1.0),
    "false_refusal_rate": (lambda r: not is_refusal(r["expected"]), lambda r: is_refusal(r["predicted"]),
                           "lower", 0.0),
    "fallback_rate": (lambda r: True, lambda r: r["predicted"] == "nlu_fallback", "lower", 0.0),
}


def summarise(rows: Iterable[dict]) -> dict:
    rows = list(rows)
    out: dict = {"messages": len(rows)}
    for line, (counts, event, _better, empty) in PER_MESSAGE.items():
        subset = [r for r in rows if counts(r)]
        out[line] = round(sum(bool(event(r)) for r in subset) / len(subset), 4) if subset else empty
    out["refusal_messages"] = sum(1 for r in rows if is_refusal(r["expected"]))
    out["guard_fired"] = sum(1 for r in rows if r.get("guard"))
    return out


def paired(rows_a: List[dict], rows_b: List[dict]) -> Dict[str, dict]:
    """Two models on the same messages (rows in the same order): for each hold-out line, on how
    many messages only A or only B did better, and the exact McNemar p-value (two-sided binomial
    test on those discordant messages; scipy). A difference of a few messages with a large p is
    not a difference between the models: another seed moves the lines as much
    (docs/training-time.md, Round 6)."""
    from scipy.stats import binomtest

    if [(r["text"], r["expected"]) for r in rows_a] != [(r["text"], r["expected"]) for r in rows_b]:
        raise ValueError("the two row lists are not the same messages in the same order")
    out = {}
    for line, (counts, event, better, _empty) in PER_MESSAGE.items():
        only_a = only_b = n = 0
        for a, b in zip(rows_a, rows_b, strict=True):
            if not counts(a):
                continue
            n += 1
            good_a, good_b = event(a) == (better == "higher"), event(b) == (better == "higher")
            only_a += good_a and not good_b
            only_b += good_b and not good_a
        p = binomtest(min(only_a, only_b), only_a + only_b).pvalue if only_a + only_b else 1.0
        out[line] = {"messages": n, "only_a_better": only_a, "only_b_better": only_b,
                     "p_value": round(float(p), 4)}
    return out


def failures(summary: dict, thresholds: Dict[str, float] = THRESHOLDS) -> List[str]:
    out = []
    if summary["topic_accuracy"] < thresholds["topic_accuracy"]:
        out.append(f"topic accuracy {summary['topic_accuracy']:.3f} < {thresholds['topic_accuracy']}")
    if "intent_accuracy" in thresholds and summary["intent_accuracy"] < thresholds["intent_accuracy"]:
        out.append(f"intent accuracy {summary['intent_accuracy']:.3f} < {thresholds['intent_accuracy']}")
    if "fallback_rate" in thresholds and summary["fallback_rate"] > thresholds["fallback_rate"]:
        out.append(f"fallback rate {summary['fallback_rate']:.3f} > {thresholds['fallback_rate']}")
    if summary["refusal_recall"] < thresholds["refusal_recall"]:
        out.append(f"refusal recall {summary['refusal_recall']:.3f} < {thresholds['refusal_recall']}")
    if summary["false_refusal_rate"] > thresholds["false_refusal_rate"]:
        out.append(f"false-refusal rate {summary['false_refusal_rate']:.3f} > "
                   f"{thresholds['false_refusal_rate']}")
    return out


def misclassified(rows: Iterable[dict]) -> List[dict]:
    """Rows counted wrong for topic accuracy or refusals (what a trainer should look at)."""
    out = []
    for r in rows:
        wrong_topic = r["predicted"] == "nlu_fallback" or topic(r["predicted"]) != topic(r["expected"])
        if wrong_topic or r["predicted"] != r["expected"]:
            out.append(dict(r, topic_wrong=wrong_topic))
    return out
