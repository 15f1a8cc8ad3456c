#!/usr/bin/env python3
"""Trainer checks for the NLU data (`make validate` runs it after `rasa data validate`).

Names FILE and LINE for every problem:
  ERROR  same example under two intents (conflict), exact duplicate example,
         intent with fewer than MIN_EXAMPLES examples, intent without a known topic prefix,
         intent in the wrong topic file (data/nlu/sim.yml holds sim_* only),
         entity annotated in data but not declared in the domain,
         domain entity without any annotated example, domain intent without examples,
         refusal-guard rule that fires on a non-refusal training example, broken guard file,
         domain intent missing from the intent table (actions/intents.yml), or a table row
         for an intent the domain does not declare.
  WARN   examples that become equal after normalising slang (gmn = gimana) across intents.
Exit status 1 when there is any ERROR.

Usage: python scripts/nlu_check.py [--data data/nlu] [--domain rasa_project/domain]
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set

import yaml

from scripts.nlu_trainingdata import TOPICS, normalise, read_dir

ROOT = Path(__file__).resolve().parent.parent

MIN_EXAMPLES = 10
# One row per intent (what it answers, its title, subject and attribute).
TABLE_FILE = ROOT / "actions" / "intents.yml"
# Declared in the domain but filled by the system, never typed by users. lanjut_subjek ("kalau
# SKCK?") is derived by the actions from an unclear message or another intent that names only a
# subject (actions/lanjut_aksi.py); its own NLU examples cost refusal recall (0.967 -> 0.948).
INTENTS_WITHOUT_NLU = {"lapor_pembaruan_status", "nlu_fallback", "lanjut_subjek"}
ENTITIES_WITHOUT_NLU = {"status_laporan"}
# Files that hold no intents of one topic (synonyms, regexes, lookup tables).
SHARED_FILES = {"sinonim", "regex", "lookup", "synonyms"}
# Files of one register across all topics (register_jawa.yml: Javanese ngoko and krama,
# register_santai.yml: texting slang), so that a register can be reviewed by one speaker.
REGISTER_PREFIX = "register_"


def domain_names(domain_dir: Path):
    intents: Set[str] = set()
    entities: Set[str] = set()
    if not domain_dir.exists():
        return intents, entities
    paths = [domain_dir] if domain_dir.is_file() else sorted(domain_dir.glob("*.yml"))
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents") or []:
            intents.add(next(iter(item)) if isinstance(item, dict) else str(item))
        for item in data.get("entities") or []:
            entities.add(next(iter(item)) if isinstance(item, dict) else str(item))
    return intents, entities


def intent_lines(domain_dir: Path) -> Dict[str, tuple]:
    """{intent: (domain file, line)} of each intent declaration."""
    found: Dict[str, tuple] = {}
    paths = [domain_dir] if domain_dir.is_file() else sorted(domain_dir.glob("*.yml"))
    for path in paths:
        in_intents = False
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.startswith((" ", "-", "#")) and line.strip():
                in_intents = line.startswith("intents:")
                continue
            stripped = line.strip()
            if in_intents and stripped.startswith("- "):
                name = stripped[2:].split(":")[0].strip()
                found.setdefault(name, (str(path), no))
    return found


def table_problems(domain_dir: Path, table_file: Path) -> List[str]:
    """Domain intents missing from the intent table, and table rows the domain lacks."""
    problems: List[str] = []
    if not table_file.exists():
        return [f"ERROR {table_file}:0: tabel intent tidak ditemukan"]
    rows = (yaml.safe_load(table_file.read_text(encoding="utf-8")) or {}).get("intents") or {}
    declared = intent_lines(domain_dir)
    for name, (f, line) in sorted(declared.items()):
        if name not in rows:
            problems.append(f"ERROR {f}:{line}: intent '{name}' belum ada di tabel intent "
                            f"{table_file.name} (topik, entry/aksi, judul, atribut)")
    text = table_file.read_text(encoding="utf-8").splitlines()
    for name in sorted(set(rows) - set(declared)):
        line = next((i for i, t in enumerate(text, 1) if t.strip().startswith(f"{name}:")), 0)
        problems.append(f"ERROR {table_file}:{line}: intent '{name}' ada di tabel tetapi tidak "
                        f"dideklarasikan di domain ({domain_dir})")
    return problems


def run_checks(data_dir: Path, domain_dir: Path, guard_file: Path = None,
               table_file: Path = None) -> List[str]:
    """Returns the list of problems, each 'LEVEL file:line: message'."""
    problems: List[str] = []
    if domain_dir.exists():
        problems += table_problems(domain_dir, table_file or TABLE_FILE)

    def err(ex_file, line, msg):
        problems.append(f"ERROR {ex_file}:{line}: {msg}")

    def warn(ex_file, line, msg):
        problems.append(f"WARN  {ex_file}:{line}: {msg}")

    examples = read_dir(data_dir)
    intents = [e for e in examples if e.kind == "intent"]
    by_intent: Dict[str, list] = defaultdict(list)
    first_line: Dict[str, tuple] = {}
    for e in intents:
        by_intent[e.name].append(e)
        first_line.setdefault(e.name, (e.file, e.line))

    # prefixes and topic files
    for name, (f, line) in first_line.items():
        topic = name.split("_", 1)[0]
        if topic not in TOPICS or "_" not in name:
            err(f, line, f"intent '{name}' harus diawali topik: {', '.join(t + '_' for t in TOPICS)}")
            continue
        stem = Path(f).stem
        if stem not in SHARED_FILES and stem != topic and not stem.startswith(REGISTER_PREFIX):
            err(f, line, f"intent '{name}' seharusnya ada di data/nlu/{topic}.yml, bukan {Path(f).name}")

    # too few examples
    for name, exs in by_intent.items():
        if len(exs) < MIN_EXAMPLES:
            f, line = first_line[name]
            err(f, line, f"intent '{name}' hanya punya {len(exs)} contoh (minimal {MIN_EXAMPLES})")

    # duplicates and conflicts
    seen: Dict[str, object] = {}
    for e in intents:
        key = normalise(e.text)
        if not key:
            err(e.file, e.line, "contoh kosong")
            continue
        other = seen.get(key)
        if other is None:
            seen[key] = e
        elif other.name == e.name:
            err(e.file, e.line, f"contoh ganda '{e.text}' (sudah ada di {other.file}:{other.line})")
        else:
            err(e.file, e.line, f"contoh '{e.text}' bertentangan: intent '{e.name}' di sini, "
                f"intent '{other.name}' di {other.file}:{other.line}")

    # near-duplicates after slang normalisation (warning only)
    try:
        from nlu_components.indonesian_tokenizer import load_slang_norms

        norms = load_slang_norms()
    except Exception:
        norms = {}
    if norms:
        seen_norm: Dict[str, object] = {}
        for e in intents:
            key = " ".join(norms.get(w, w) for w in normalise(e.text).split())
            other = seen_norm.get(key)
            if other is None:
                seen_norm[key] = e
            elif other.name != e.name and normalise(other.text) != normalise(e.text):
                warn(e.file, e.line, f"'{e.text}' ({e.name}) hampir sama dengan '{other.text}' "
                     f"({other.name}, {other.file}:{other.line}) setelah normalisasi singkatan")

    # entities
    dom_intents, dom_entities = domain_names(domain_dir)
    used: Dict[str, object] = {}
    for e in intents:
        for ent, text, _value in e.entities:
            if not ent:
                err(e.file, e.line, f"anotasi entitas '{text}' tanpa nama entitas")
                continue
            used.setdefault(ent, e)
            if dom_entities and ent not in dom_entities:
                err(e.file, e.line, f"entitas '{ent}' tidak dideklarasikan di domain ({domain_dir})")
    for ent in sorted(dom_entities - set(used) - ENTITIES_WITHOUT_NLU):
        err(str(domain_dir), 0, f"entitas '{ent}' ada di domain tetapi tidak punya contoh beranotasi")
    for name in sorted(dom_intents - set(by_intent) - INTENTS_WITHOUT_NLU):
        err(str(domain_dir), 0, f"intent '{name}' ada di domain tetapi tidak punya contoh")
    for name, (f, line) in first_line.items():
        if dom_intents and name not in dom_intents:
            err(f, line, f"intent '{name}' belum dideklarasikan di domain ({domain_dir})")

    # synonyms and regexes
    for e in examples:
        if e.kind == "regex":
            import re

            try:
                re.compile(e.raw)
            except re.error as exc:
                err(e.file, e.line, f"regex '{e.name}' tidak valid: {exc}")

    # refusal guard must not fire on non-refusal examples
    try:
        from nlu_components import refusal_guard

        rules = refusal_guard.load_rules(guard_file or refusal_guard.DEFAULT_PATTERNS_FILE)
        for e in intents:
            if e.name.startswith("blokir_"):
                continue
            rule = refusal_guard.check(e.text, rules)
            if rule is not None:
                err(e.file, e.line, f"aturan penjaga '{rule.id}' ({rule.intent}) menolak contoh "
                    f"'{e.text}' milik '{e.name}'; perbaiki nlu_components/guard_patterns.yml")
    except (ValueError, OSError, yaml.YAMLError) as exc:
        err(str(guard_file or "nlu_components/guard_patterns.yml"), 0, f"berkas penjaga rusak: {exc}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT / "data" / "nlu"))
    ap.add_argument("--domain", default=str(ROOT / "rasa_project" / "domain"))
    ap.add_argument("--guard", default=None)
    ap.add_argument("--table", default=str(TABLE_FILE))
    args = ap.parse_args(argv)
    problems = run_checks(Path(args.data), Path(args.domain), Path(args.guard) if args.guard else None,
                          Path(args.table))
    errors = [p for p in problems if p.startswith("ERROR")]
    for p in problems:
        print(p.replace(str(ROOT) + "/", ""))
    examples = [e for e in read_dir(Path(args.data)) if e.kind == "intent"]
    n_int = len({e.name for e in examples})
    print(f"NLU: {len(examples)} contoh, {n_int} intent; {len(errors)} error, "
          f"{len(problems) - len(errors)} peringatan")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
