#!/usr/bin/env python3
"""Trainers' review loop: export unclear real user messages, label them, merge them back.

  nlu_review.py export [--db var/rasa/tracker.db | --redis redis://...] [--threshold 0.6]
                       [--since 2026-01-01] [--out out/review/review-<time>.yml|.csv]
      Reads user messages from the tracker store (Rasa SQLTrackerStore table `events`, SQLite
      by default; Redis when --redis or $REDIS_URL is given) and writes those that hit
      nlu_fallback or scored below --threshold into a review file (YAML or CSV), with the
      model's best guesses. Messages already in data/nlu/ and repeated messages appear once.
      Only the text (NIK, phone numbers, e-mail addresses masked), time and guesses are exported
      (no sender ids).

  nlu_review.py merge REVIEW_FILE [--data data/nlu] [--dry-run]
      Adds every item whose `intent` was filled in by a trainer to data/nlu/<topic>.yml under
      that intent (new block if needed), skipping duplicates, conflicts (the same text under
      another intent) and unknown intents/topics; then runs the NLU checks (scripts/nlu_check.py)
      and reports any error with file and line. Items with intent "abaikan" (or empty) are
      skipped. Exit status 1 when an item was rejected or the checks fail.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import sqlite3
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

import var_layout
from privacy.masking import mask_codes, mask_text
from scripts.nlu_trainingdata import TOPICS, normalise, read_dir

ROOT = var_layout.ROOT

SKIP_LABELS = {"", "abaikan", "skip", "-", "lewati"}
FIELDS = ["text", "intent", "predicted", "confidence", "alternatives", "time", "count"]
HEADER = """\
# Berkas tinjauan NLU (dibuat oleh scripts/nlu_review.py export).
# Untuk setiap pesan, isi kolom `intent` dengan nama intent yang benar, misalnya sim_biaya,
# skck_syarat, blokir_luar_topik. Tulis `abaikan` bila pesan tidak perlu dipakai.
# `predicted` adalah tebakan model; `alternatives` tebakan berikutnya.
# Setelah selesai: .venv/rasa/bin/python scripts/nlu_review.py merge <berkas ini>
"""


# ---------------------------------------------------------------- reading the tracker store
def user_events_sqlite(db_path: Path, since: Optional[float] = None) -> Iterable[dict]:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        q = "SELECT timestamp, data FROM events WHERE type_name = 'user'"
        args: Tuple = ()
        if since is not None:
            q += " AND timestamp >= ?"
            args = (since,)
        for ts, data in con.execute(q + " ORDER BY id", args):
            try:
                yield dict(json.loads(data), timestamp=ts)
            except (TypeError, ValueError):
                continue
    finally:
        con.close()


def user_events_redis(url: str, since: Optional[float] = None, prefix: str = "tracker:") -> Iterable[dict]:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=prefix + "*"):
        raw = client.get(key)
        if not raw:
            continue
        try:
            events = json.loads(raw).get("events") or []
        except ValueError:
            continue
        for ev in events:
            if ev.get("event") == "user" and (since is None or (ev.get("timestamp") or 0) >= since):
                yield ev


def candidates(events: Iterable[dict], threshold: float) -> List[dict]:
    """Unclear user messages: nlu_fallback or top confidence below the threshold."""
    out: Dict[str, dict] = {}
    for ev in events:
        text = (ev.get("text") or "").strip()
        if not text or text.startswith("/"):  # button payloads are not typed text
            continue
        # NIK, phone numbers, e-mail addresses and status codes never reach an export (also rows
        # stored before the tracker store masked them)
        text = mask_codes(mask_text(text))
        pd = ev.get("parse_data") or {}
        intent = pd.get("intent") or {}
        name = intent.get("name") or ""
        conf = float(intent.get("confidence") or 0.0)
        if name != "nlu_fallback" and conf >= threshold:
            continue
        ranking = [r for r in pd.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        guess = ranking[0] if ranking else {"name": name, "confidence": conf}
        key = normalise(text)
        if key in out:
            out[key]["count"] += 1
            continue
        ts = ev.get("timestamp")
        out[key] = {
            "text": text,
            "intent": "",
            "predicted": guess.get("name") or "",
            "confidence": round(float(guess.get("confidence") or 0.0), 3),
            "alternatives": ", ".join(
                f"{r.get('name')} {float(r.get('confidence') or 0):.2f}" for r in ranking[1:3]),
            "time": dt.datetime.utcfromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "",
            "count": 1,
        }
    return list(out.values())


def write_review(items: List[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        with open(out, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=FIELDS)
            w.writeheader()
            for it in items:
                w.writerow({k: it.get(k, "") for k in FIELDS})
    else:
        body = yaml.safe_dump({"items": items}, allow_unicode=True, sort_keys=False, width=100)
        out.write_text(HEADER + body, encoding="utf-8")


def read_review(path: Path) -> List[dict]:
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = data.get("items") if isinstance(data, dict) else data
    return list(items or [])


def cmd_export(args) -> int:
    since = None
    if args.since:
        since = dt.datetime.fromisoformat(args.since).replace(tzinfo=dt.timezone.utc).timestamp()
    redis_url = args.redis or (None if args.db_given else os.environ.get("REDIS_URL"))
    if redis_url:
        events = user_events_redis(redis_url, since)
        source = f"Redis {redis_url}"
    else:
        db = Path(args.db)
        if not db.exists():
            print(f"ERROR: tracker database {db} tidak ditemukan (belum ada percakapan?)", file=sys.stderr)
            return 2
        events = user_events_sqlite(db, since)
        source = str(db)
    known = {normalise(e.text) for e in read_dir(Path(args.data)) if e.kind == "intent"}
    items = [c for c in candidates(events, args.threshold) if normalise(c["text"]) not in known]
    items.sort(key=lambda c: (-c["count"], c["confidence"]))
    out = Path(args.out or ROOT / "out" / "review" /
               f"review-{dt.datetime.utcnow().strftime('%Y%m%dT%H%M%SZ')}.yml")
    write_review(items, out)
    print(f"{len(items)} pesan untuk ditinjau dari {source} -> {out}")
    return 0


# ---------------------------------------------------------------- merging labelled items
def known_intents(data_dir: Path) -> set:
    names = {e.name for e in read_dir(data_dir) if e.kind == "intent"}
    domain = ROOT / "rasa_project" / "domain"
    if domain.exists():
        for p in domain.glob("*.yml"):
            d = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
            for i in d.get("intents") or []:
                names.add(next(iter(i)) if isinstance(i, dict) else str(i))
    return names


def add_examples(path: Path, intent: str, texts: List[str]) -> None:
    """Appends texts at the end of the intent's examples block (creates file/block if needed)."""
    if not path.exists():
        path.write_text('version: "3.1"\nnlu:\n', encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    new = [f"    - {t}" for t in texts]
    start = next((i for i, line in enumerate(lines)
                  if re.match(rf"^-\s+intent\s*:\s*{re.escape(intent)}\s*$", line)), None)
    if start is None:
        if lines and lines[-1].strip():
            pass
        lines += [f"- intent: {intent}", "  examples: |"] + new
    else:
        end = start + 1
        while end < len(lines) and not re.match(r"^-\s", lines[end]) and not re.match(r"^\S", lines[end]):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def clean_text(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    # a YAML block line must not start with characters that change its meaning
    return text


def cmd_merge(args) -> int:
    data_dir = Path(args.data)
    review = Path(args.review_file)
    if not review.exists():
        print(f"ERROR: berkas {review} tidak ditemukan", file=sys.stderr)
        return 2
    items = read_review(review)
    existing = {normalise(e.text): e for e in read_dir(data_dir) if e.kind == "intent"}
    intents = known_intents(data_dir)
    to_add: Dict[str, List[str]] = {}
    rejected, added, skipped = [], 0, 0
    for n, it in enumerate(items, start=1):
        label = str(it.get("intent") or "").strip()
        text = clean_text(it.get("text") or "")
        if label.lower() in SKIP_LABELS or not text:
            skipped += 1
            continue
        topic = label.split("_", 1)[0]
        if topic not in TOPICS or "_" not in label:
            rejected.append(f"{review}: item {n}: intent '{label}' tidak diawali topik yang dikenal")
            continue
        if label not in intents:
            rejected.append(f"{review}: item {n}: intent '{label}' tidak dikenal (salah ketik?)")
            continue
        key = normalise(text)
        prev = existing.get(key)
        if prev is not None:
            if prev.name == label:
                skipped += 1  # already there
            else:
                rejected.append(f"{review}: item {n}: '{text}' sudah ada sebagai '{prev.name}' "
                                f"di {prev.file}:{prev.line}; tidak ditambahkan sebagai '{label}'")
            continue
        existing[key] = type("E", (), {"name": label, "file": "(berkas tinjauan)", "line": n})()
        to_add.setdefault(label, []).append(text)
        added += 1
    if not args.dry_run:
        for label, texts in to_add.items():
            add_examples(data_dir / f"{label.split('_', 1)[0]}.yml", label, texts)
    for r in rejected:
        print("DITOLAK", r)
    print(f"{added} contoh ditambahkan{' (uji coba, tidak ditulis)' if args.dry_run else ''}, "
          f"{skipped} dilewati, {len(rejected)} ditolak")
    status = 1 if rejected else 0
    if not args.dry_run and added:
        from scripts.nlu_check import run_checks

        problems = [p for p in run_checks(data_dir, ROOT / "rasa_project" / "domain")
                    if p.startswith("ERROR")]
        for p in problems:
            print(p)
        if problems:
            print("Pemeriksaan NLU menemukan error; perbaiki sebelum melatih model.")
            status = 1
    return status


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("export", help="export unclear user messages for labelling")
    ex.add_argument("--db", default=None,
                    help=f"SQLite tracker db (default {var_layout.relative(var_layout.TRACKER_DB)})")
    ex.add_argument("--redis", default=None, help="Redis URL (default $REDIS_URL if no --db)")
    ex.add_argument("--threshold", type=float, default=0.6)
    ex.add_argument("--since", default=None, help="only messages from this date (YYYY-MM-DD)")
    ex.add_argument("--out", default=None, help="review file (.yml or .csv)")
    ex.add_argument("--data", default=str(ROOT / "data" / "nlu"))
    mg = sub.add_parser("merge", help="merge a labelled review file into data/nlu/")
    mg.add_argument("review_file")
    mg.add_argument("--data", default=str(ROOT / "data" / "nlu"))
    mg.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd == "export":
        args.db_given = args.db is not None
        args.db = args.db or str(var_layout.TRACKER_DB)
        return cmd_export(args)
    return cmd_merge(args)


if __name__ == "__main__":
    sys.exit(main())
