#!/usr/bin/env python3
"""`make eval`: NLU report on the hold-out set, compared with the previous report.

Sends every hold-out message (tests/nlu/holdout.yml) to a running Rasa server
(--rasa-url, else $RASA_URL, else http://127.0.0.1:5005). If none answers, it starts one
with scripts/servers.py (about two minutes) and stops it afterwards.

Writes out/eval/<UTC timestamp>/:
  metrics.json         topic/intent accuracy, refusal recall, false-refusal rate, per intent P/R/F1
  per_intent.csv       precision, recall, F1, support per intent
  confusion.png        confusion matrix (expected x predicted intent)
  misclassified.yml    hold-out messages predicted wrongly (expected, predicted, confidence)
  comparison.md        what improved / broke since the previous report
  report.md            human summary (numbers, thresholds, comparison, errors)
  conversation.json    dialogue and fact results per item (tests/nlu/dialogues.yml, facts.yml;
                       scripts/nlu_dialogues.py): pass rates, per-pattern breakdown, failures
and out/eval/holdout-latest.json (same numbers as metrics.json, without per-message rows).
Exit status: 0, or 1 with --strict when a quality threshold is not met.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from scripts import nlu_dialogues
from scripts.nlu_metrics import THRESHOLDS, failures, misclassified, predict_all, summarise
from scripts.nlu_trainingdata import load_yaml_examples

ROOT = Path(__file__).resolve().parent.parent


def server_up(url: str) -> bool:
    try:
        from scripts.servers import with_token

        with urllib.request.urlopen(with_token(url.rstrip("/") + "/status"), timeout=30) as r:
            return r.status == 200
    except Exception:
        return False


def per_intent(rows: List[dict]) -> Dict[str, dict]:
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted({r["expected"] for r in rows} | {r["predicted"] for r in rows})
    y_true = [r["expected"] for r in rows]
    y_pred = [r["predicted"] for r in rows]
    p, rc, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        lab: {"precision": round(float(p[i]), 4), "recall": round(float(rc[i]), 4),
              "f1": round(float(f[i]), 4), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }


def confusion_png(rows: List[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    labels = sorted({r["expected"] for r in rows} | {r["predicted"] for r in rows})
    cm = confusion_matrix([r["expected"] for r in rows], [r["predicted"] for r in rows],
                          labels=labels)
    size = max(8, 0.32 * len(labels))
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    for i in range(len(labels)):
        for j in range(len(labels)):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_title("NLU hold-out confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def previous_report(out_root: Path, current: Path) -> Optional[Path]:
    dirs = sorted(d for d in out_root.iterdir()
                  if d.is_dir() and d != current and (d / "metrics.json").exists())
    return dirs[-1] if dirs else None


def compare(prev: dict, cur: dict) -> List[str]:
    lines = []
    for key in ("topic_accuracy", "intent_accuracy", "refusal_recall", "false_refusal_rate",
                "fallback_rate", "dialogue_pass_rate", "fact_pass_rate"):
        a = prev["summary"].get(key, (prev.get("conversation") or {}).get(key))
        b = cur["summary"].get(key, (cur.get("conversation") or {}).get(key))
        if a is None or b is None:
            continue
        better = b < a if key in ("false_refusal_rate", "fallback_rate") else b > a
        mark = "=" if a == b else ("improved" if better else "WORSE")
        lines.append(f"- {key}: {a:.4f} -> {b:.4f} ({mark})")
    pi_prev, pi_cur = prev.get("per_intent", {}), cur.get("per_intent", {})
    improved, broke = [], []
    for intent in sorted(set(pi_prev) | set(pi_cur)):
        a = pi_prev.get(intent, {}).get("f1", 0.0)
        b = pi_cur.get(intent, {}).get("f1", 0.0)
        if b > a + 1e-9:
            improved.append(f"{intent} F1 {a:.2f} -> {b:.2f}")
        elif b < a - 1e-9:
            broke.append(f"{intent} F1 {a:.2f} -> {b:.2f}")
    lines.append("")
    lines.append("Improved intents: " + (", ".join(improved) if improved else "none"))
    lines.append("Worse intents: " + (", ".join(broke) if broke else "none"))
    prev_wrong = {(r["text"], r["expected"]) for r in prev.get("misclassified", [])}
    cur_wrong = {(r["text"], r["expected"]) for r in cur.get("misclassified", [])}
    fixed = sorted(prev_wrong - cur_wrong)
    new = sorted(cur_wrong - prev_wrong)
    lines.append("")
    lines.append(f"Now correct ({len(fixed)}):")
    lines += [f"  + [{e}] {t}" for t, e in fixed]
    lines.append(f"Newly wrong ({len(new)}):")
    lines += [f"  - [{e}] {t}" for t, e in new]
    return lines


def write_report(rows: List[dict], out_root: Path, holdout: Path, rasa_url: str,
                 stamp: Optional[str] = None, conversation: Optional[dict] = None) -> Path:
    stamp = stamp or dt.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    out = out_root / stamp
    out.mkdir(parents=True, exist_ok=True)
    summary = summarise(rows)
    wrong = misclassified(rows)
    metrics = {
        "created": stamp,
        "holdout": str(holdout),
        "rasa_url": rasa_url,
        "thresholds": THRESHOLDS,
        "summary": summary,
        "failures": failures(summary),
        "per_intent": per_intent(rows),
        "conversation": (conversation or {}).get("summary"),
        "conversation_thresholds": nlu_dialogues.THRESHOLDS if conversation else None,
        "misclassified": wrong,
    }
    if conversation:
        metrics["failures"] += nlu_dialogues.failures(conversation["summary"])
        (out / "conversation.json").write_text(json.dumps(conversation, indent=1, ensure_ascii=False))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False))
    with open(out / "per_intent.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["intent", "precision", "recall", "f1", "support"])
        for intent, m in metrics["per_intent"].items():
            w.writerow([intent, m["precision"], m["recall"], m["f1"], m["support"]])
    (out / "misclassified.yml").write_text(
        yaml.safe_dump(wrong, allow_unicode=True, sort_keys=False), encoding="utf-8")
    confusion_png(rows, out / "confusion.png")
    prev_dir = previous_report(out_root, out)
    if prev_dir:
        prev = json.loads((prev_dir / "metrics.json").read_text())
        comp = [f"# Compared with {prev_dir.name}", ""] + compare(prev, metrics)
    else:
        comp = ["# No previous report to compare with"]
    (out / "comparison.md").write_text("\n".join(comp) + "\n", encoding="utf-8")
    report = [f"# NLU hold-out report {stamp}", "",
              f"Hold-out: {holdout} ({summary['messages']} messages)", ""]
    report += [f"- {k}: {v}" for k, v in summary.items()]
    report += ["", "Thresholds: " + json.dumps(THRESHOLDS),
               "Result: " + ("; ".join(metrics["failures"]) if metrics["failures"] else "all met"),
               ""]
    if conversation:
        report += ["## Conversations (tests/nlu/dialogues.yml, facts.yml)", ""]
        report += nlu_dialogues.report_lines(conversation["summary"], conversation["dialogues"],
                                             conversation["facts"]) + [""]
    report += comp + ["", f"## Misclassified ({len(wrong)})"]
    report += [f"- [{r['expected']} -> {r['predicted']} {r['confidence']:.2f}] {r['text']}"
               for r in wrong]
    (out / "report.md").write_text("\n".join(report) + "\n", encoding="utf-8")
    latest = {k: v for k, v in metrics.items() if k not in ("misclassified",)}
    latest["report_dir"] = str(out)
    (out_root / "holdout-latest.json").write_text(json.dumps(latest, indent=1, ensure_ascii=False))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--holdout", default=str(ROOT / "tests" / "nlu" / "holdout.yml"))
    ap.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    ap.add_argument("--out", default=str(ROOT / "out" / "eval"))
    ap.add_argument("--no-start", action="store_true", help="fail instead of starting a server")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a threshold is not met")
    ap.add_argument("--dialogues", default=str(nlu_dialogues.DIALOGUES))
    ap.add_argument("--facts", default=str(nlu_dialogues.FACTS))
    ap.add_argument("--no-conversations", action="store_true",
                    help="only the hold-out (skip the dialogue and fact sets)")
    args = ap.parse_args(argv)

    holdout = Path(args.holdout)
    if not holdout.exists():
        print(f"ERROR: hold-out file {holdout} not found", file=sys.stderr)
        return 2
    examples = load_yaml_examples(holdout)
    state = None
    url = args.rasa_url
    if not server_up(url):
        if args.no_start:
            print(f"ERROR: no Rasa server at {url}", file=sys.stderr)
            return 2
        state = Path(tempfile.mkdtemp(prefix="nlu-eval-")) / "servers.json"
        print(f"No Rasa server at {url}; starting one (about 2 minutes) ...", flush=True)
        subprocess.run([sys.executable, "-m", "scripts.servers", "up", str(state)],
                       check=True, cwd=ROOT)
        url = json.loads(state.read_text())["RASA_URL"]
        os.environ["RASA_TOKEN"] = json.loads(state.read_text())["RASA_TOKEN"]  # that server's token
    conversation = None
    try:
        rows = predict_all(url, examples)
        if not args.no_conversations:
            drows = nlu_dialogues.run_dialogues(url, nlu_dialogues.load(Path(args.dialogues), "dialogues"))
            frows = nlu_dialogues.run_facts(url, nlu_dialogues.load(Path(args.facts), "facts"))
            conversation = {"summary": nlu_dialogues.summarise(drows, frows),
                            "dialogues": drows, "facts": frows}
    finally:
        if state is not None:
            subprocess.run([sys.executable, "-m", "scripts.servers", "down", str(state)],
                           cwd=ROOT)
    out = write_report(rows, Path(args.out), holdout, url, conversation=conversation)
    print((out / "report.md").read_text(encoding="utf-8"))
    print(f"Report: {out}")
    metrics = json.loads((out / "metrics.json").read_text())
    return 1 if (args.strict and metrics["failures"]) else 0


if __name__ == "__main__":
    sys.exit(main())
