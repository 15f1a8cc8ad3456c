"""Side-by-side report of `make bench` (scripts/bench.py): our bot against the stock Rasa baseline,
line by line, as JSON (out/bench/versus-baseline.json), a Markdown table (out/bench/summary.md) and
our server's figures alone (out/bench/assistant.json, the keys of the bench before issue 14 kept)."""
from __future__ import annotations

import json
import time
from pathlib import Path

from scripts.nlu_metrics import paired

# (line, path into one bot's results, which direction is better)
LINES = [
    ("webhook msg/s, concurrency 1", ("webhook_c1", "per_s"), "higher"),
    ("webhook msg/s, concurrency 10", ("webhook_c10", "per_s"), "higher"),
    ("webhook msg/s, concurrency 20", ("webhook_c20", "per_s"), "higher"),
    ("webhook p50 ms, concurrency 1", ("webhook_c1", "p50_ms"), "lower"),
    ("webhook p95 ms, concurrency 1", ("webhook_c1", "p95_ms"), "lower"),
    ("webhook p50 ms, concurrency 10", ("webhook_c10", "p50_ms"), "lower"),
    ("webhook p95 ms, concurrency 10", ("webhook_c10", "p95_ms"), "lower"),
    ("webhook p50 ms, concurrency 20", ("webhook_c20", "p50_ms"), "lower"),
    ("webhook p95 ms, concurrency 20", ("webhook_c20", "p95_ms"), "lower"),
    ("/model/parse req/s, concurrency 10", ("parse_c10", "per_s"), "higher"),
    ("/model/parse p50 ms, concurrency 1", ("parse_c1", "p50_ms"), "lower"),
    ("webhook/parse throughput ratio, c=10", ("ratios", "webhook_c10_over_parse_c10"), "higher"),
    ("webhook p50 / parse p50, c=1", ("ratios", "webhook_p50_over_parse_p50"), "lower"),
    ("Rasa RSS MB, model loaded", ("rss_mb", "rasa_loaded"), "lower"),
    ("Rasa RSS MB, after the load", ("rss_mb", "rasa_after_load"), "lower"),
    ("training s", ("training", "train_seconds"), "lower"),
    ("model size MB", ("model_size_mb",), "lower"),
    ("hold-out intent accuracy", ("holdout", "intent_accuracy"), "higher"),
    ("hold-out topic accuracy", ("holdout", "topic_accuracy"), "higher"),
    ("hold-out refusal recall", ("holdout", "refusal_recall"), "higher"),
    ("hold-out false-refusal rate", ("holdout", "false_refusal_rate"), "lower"),
    ("hold-out fallback rate", ("holdout", "fallback_rate"), "lower"),
]


def _get(d: dict, path: tuple):
    for key in path:
        if not isinstance(d, dict) or d.get(key) is None:
            return None
        d = d[key]
    return d


SIGNIFICANT_P = 0.05


def _paired(res: dict[str, dict]) -> dict:
    """Drop the per-message hold-out rows from the results (not written out) and compare the two
    bots on the same messages (nlu_metrics.paired: A = ours, B = the baseline)."""
    rows = {name: (r.get("holdout") or {}).pop("rows", None) for name, r in res.items()}
    if rows.get("ours") and rows.get("baseline"):
        return paired(rows["ours"], rows["baseline"])
    return {}


def versus(res: dict[str, dict], load_before: list[float], load_after: list[float], seconds: int) -> dict:
    lines, pairs = [], _paired(res)
    for label, path, better in LINES:
        ours, base = _get(res.get("ours", {}), path), _get(res.get("baseline", {}), path)
        row = {"line": label, "better": better, "ours": ours, "baseline": base,
               "ours_over_baseline": None, "ours_ahead": None}
        if isinstance(ours, (int, float)) and isinstance(base, (int, float)):
            row["ours_over_baseline"] = round(ours / base, 3) if base else None
            row["ours_ahead"] = None if ours == base else (ours > base) == (better == "higher")
        if path[0] == "holdout" and path[-1] in pairs:
            pair = pairs[path[-1]]
            row["paired"] = {"messages": pair["messages"], "only_ours_better": pair["only_a_better"],
                             "only_baseline_better": pair["only_b_better"], "p_value": pair["p_value"],
                             "significant": pair["p_value"] < SIGNIFICANT_P}
        lines.append(row)
    behind_rows = [r for r in lines if r["ours_ahead"] is False]
    behind = [r["line"] for r in behind_rows]
    behind_really = [r["line"] for r in behind_rows if (r.get("paired") or {}).get("significant", True)]
    return {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_average_before": load_before,
            "load_average_after": load_after, "measured_seconds": seconds,
            "note": "one run: both servers up together, each load step on both back to back (the first "
                    "alternates); the baseline's training time is measured once when it is trained and "
                    "cached, ours comes from the training record next to our model",
            "lines": lines, "ours_behind_on": behind,
            "ours_behind_on_beyond_chance": behind_really,
            "ours": res.get("ours"), "baseline": res.get("baseline")}


def _paired_cell(r: dict) -> str:
    p = r.get("paired")
    if not p:
        return ""
    return (f"{p['only_ours_better']} / {p['only_baseline_better']} of {p['messages']}, "
            f"p = {p['p_value']:.2f}" + (" (significant)" if p["significant"] else ""))


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float) and v < 1.5:
        return f"{v:.3f}"
    return f"{v:.1f}" if isinstance(v, float) else str(v)


def summary_md(report: dict) -> str:
    ours, base = report.get("ours") or {}, report.get("baseline") or {}
    out = ["# `make bench`: our bot vs a stock Rasa baseline (one run)", "",
           f"- created {report['created']}; load average before {report['load_average_before']}, "
           f"after {report['load_average_after']}; measurement {report['measured_seconds']} s"
           + (f", whole bench {report['bench_seconds_total']} s" if "bench_seconds_total" in report else ""),
           f"- ours: `{ours.get('model')}`; baseline: `{base.get('model')}` (bench/baseline_config.yml)",
           f"- training time, ours: {(ours.get('training') or {}).get('how')}; baseline: "
           f"{(base.get('training') or {}).get('how')}", "",
           "- hold-out lines, last column: messages where only ours / only the baseline did better, "
           "and the exact McNemar p-value on those (same messages, both bots); p >= 0.05 means the "
           "difference is within what chance gives, and another training seed moves these lines by "
           "as much (docs/training-time.md, Round 6)", "",
           "| line | ours | baseline | ours/baseline | ours ahead? | paired test (hold-out) |",
           "|---|---|---|---|---|---|"]
    for r in report["lines"]:
        mark = {True: "yes", False: "**NO**", None: "n/a" if r["ours_over_baseline"] is None else "tie"}[
            r["ours_ahead"]]
        ratio = "n/a" if r["ours_over_baseline"] is None else f"{r['ours_over_baseline']:.2f}"
        out.append(f"| {r['line']} ({r['better']} is better) | {_fmt(r['ours'])} | {_fmt(r['baseline'])} "
                   f"| {ratio} | {mark} | {_paired_cell(r)} |")
    behind = report["ours_behind_on"]
    out += ["", "Ours behind on: " + ("; ".join(behind) if behind else "nothing")]
    if "ours_behind_on_beyond_chance" in report:
        really = report["ours_behind_on_beyond_chance"]
        out.append("Of these, beyond chance (paired test, p < 0.05, or no test): "
                   + ("; ".join(really) if really else "none"))
    out.append("")
    for name, r in (("ours", ours), ("baseline", base)):
        gates = (r.get("holdout") or {}).get("gate_failures")
        if gates is not None:
            out.append(f"- {name} hold-out gates (scripts/nlu_metrics.py GATES): "
                       + ("; ".join(gates) if gates else "all met"))
    return "\n".join(out) + "\n"


def legacy(ours: dict) -> dict:
    """Our server alone, with the keys out/bench/assistant.json had before issue 14."""
    c1, c10 = ours.get("webhook_c1", {}), ours.get("webhook_c10", {})
    return {**ours, "parse": ours.get("parse_c1"), "webhook_sequential": c1,
            "webhook_concurrent": {**c10, "msgs_per_s": c10.get("per_s")},
            "last_training": ours.get("training")}


def write(out_dir: Path, report: dict, ours: dict) -> None:
    (out_dir / "versus-baseline.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (out_dir / "summary.md").write_text(summary_md(report))
    (out_dir / "assistant.json").write_text(json.dumps(legacy(ours), indent=2, ensure_ascii=False))
