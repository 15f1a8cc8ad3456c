"""`make bench` compares our bot and the stock baseline on the same hold-out messages: for each
hold-out line, how many messages only one of them got right, and whether that difference is beyond
chance (exact McNemar test). scripts/nlu_metrics.paired, scripts/bench_report.versus."""
from __future__ import annotations

import pytest

from scripts import bench_report
from scripts.nlu_metrics import paired, summarise


def row(text, expected, predicted):
    return {"text": text, "expected": expected, "predicted": predicted}


def rows(spec):
    """spec: [(expected, predicted), ...] -> rows with distinct texts."""
    return [row(f"pesan {i}", e, p) for i, (e, p) in enumerate(spec)]


def test_ten_messages_only_one_model_gets_right_is_beyond_chance():
    truth = [("sim_syarat", "sim_syarat")] * 30
    a = rows(truth)
    b = rows([("sim_syarat", "skck_syarat")] * 10 + truth[10:])
    got = paired(a, b)["intent_accuracy"]
    assert (got["messages"], got["only_a_better"], got["only_b_better"]) == (30, 10, 0)
    assert got["p_value"] == pytest.approx(2 * 0.5 ** 10, abs=1e-4)
    # topic: skck_ is another topic, so the same ten messages
    assert paired(a, b)["topic_accuracy"]["only_a_better"] == 10


def test_one_message_difference_is_chance_and_lines_use_their_own_messages():
    spec = [("blokir_gaji", "blokir_gaji")] * 5 + [("sim_biaya", "sim_biaya")] * 5
    a = rows(spec)
    b = rows(spec[:4] + [("blokir_gaji", "nlu_fallback")] + spec[5:9] + [("sim_biaya", "blokir_gaji")])
    got = paired(a, b)
    assert got["refusal_recall"] == {"messages": 5, "only_a_better": 1, "only_b_better": 0, "p_value": 1.0}
    # lower is better: B refused a SIM question, so A did better on false refusals
    assert got["false_refusal_rate"] == {"messages": 5, "only_a_better": 1, "only_b_better": 0,
                                         "p_value": 1.0}
    assert got["fallback_rate"]["only_a_better"] == 1 and got["fallback_rate"]["messages"] == 10


def test_rows_of_different_messages_are_refused():
    with pytest.raises(ValueError):
        paired(rows([("sim_syarat", "sim_syarat")]), [row("lain", "sim_syarat", "sim_syarat")])


def holdout(spec):
    r = rows(spec)
    return {**summarise(r), "rows": r}


def bot(hold):
    return {"holdout": hold, "webhook_c10": {"per_s": 10.0}, "parse_c10": {"per_s": 20.0}}


def test_report_separates_a_chance_lag_from_a_real_one_and_drops_the_rows():
    truth = [("sim_syarat", "sim_syarat")] * 40 + [("blokir_gaji", "blokir_gaji")] * 20
    ours = truth[:39] + [("sim_syarat", "nlu_fallback")] + truth[40:]       # 1 message worse
    base = truth[:40] + [("blokir_gaji", "sim_syarat")] * 12 + truth[52:]  # 12 refusals missed
    res = {"ours": bot(holdout(ours)), "baseline": bot(holdout(base))}
    report = bench_report.versus(res, [0.1], [0.2], 1)
    assert "rows" not in res["ours"]["holdout"] and "rows" not in res["baseline"]["holdout"]
    by_line = {r["line"]: r for r in report["lines"]}
    fallback = by_line["hold-out fallback rate"]
    assert fallback["ours_ahead"] is False
    assert fallback["paired"] == {"messages": 60, "only_ours_better": 0, "only_baseline_better": 1,
                                  "p_value": 1.0, "significant": False}
    refusal = by_line["hold-out refusal recall"]
    assert refusal["ours_ahead"] is True and refusal["paired"]["significant"] is True
    assert "hold-out fallback rate" in report["ours_behind_on"]
    assert "hold-out fallback rate" not in report["ours_behind_on_beyond_chance"]
    md = bench_report.summary_md(report)
    assert "0 / 1 of 60, p = 1.00 |" in md
    assert "12 / 0 of 20, p = 0.00 (significant)" in md
    assert "Of these, beyond chance (paired test, p < 0.05, or no test): none" in md
