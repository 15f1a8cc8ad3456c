"""`python -m knowledge check [--data DIR] [--config FILE]`"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

import yaml

from . import facts as kfacts
from .loader import KnowledgeError
from .query import load_kb

# The intent table (one row per intent; read, not imported: knowledge/ stays a leaf package).
INTENT_TABLE = Path(__file__).resolve().parent.parent / "actions" / "intents.yml"


def table_ids(path: Path = INTENT_TABLE) -> Tuple[Set[str], Set[str], Set[str]]:
    """(entry ids, fact ids, intents) named by the intent table."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows: Dict[str, dict] = doc.get("intents") or {}
    entries: Set[str] = set()
    fact_ids: Set[str] = set()
    for row in rows.values():
        if row.get("entry"):
            entries.add(row["entry"])
        for ref in row.get("refine") or []:
            if ref.get("entry"):
                entries.add(ref["entry"])
            if ref.get("fakta"):
                fact_ids.add(ref["fakta"])
    return entries, fact_ids, set(rows)


def required_ids(path: Path = INTENT_TABLE) -> List[str]:
    """Every knowledge entry the intent table names (they must exist)."""
    return sorted(table_ids(path)[0])


def reachability_problems(kb, path: Path = INTENT_TABLE) -> List[str]:
    """Entries no intent reaches, facts with unknown entries/intents, broken condition links."""
    problems: List[str] = []
    entries, fact_ids, intents = table_ids(path)
    facts = kfacts.load_facts()
    known_facts = {f["id"] for f in facts}
    for fid in sorted(fact_ids - known_facts):
        problems.append(f"{path.name}: fact '{fid}' is not in {kfacts.FACTS_FILE.name}")
    for f in facts:
        if kb.entry(f["entry"]) is None:
            problems.append(f"{kfacts.FACTS_FILE.name}: fact '{f['id']}': unknown entry '{f['entry']}'")
        unknown = [i for i in f["intents"] if i not in intents]
        if unknown:
            problems.append(f"{kfacts.FACTS_FILE.name}: fact '{f['id']}': intents not in the "
                            f"intent table: {', '.join(unknown)}")
        else:
            entries.add(f["entry"])  # a fact shows its entry as context
    conditions = kfacts.load_conditions()
    for record_id, links in conditions["tautan"].items():
        if kb.entry(record_id) is None:
            problems.append(f"{kfacts.CONDITIONS_FILE.name}: unknown record '{record_id}'")
        for key, link in links.items():
            if key != "sumber" and link.get("pasal") and kb.entry(link["pasal"]) is None:
                problems.append(f"{kfacts.CONDITIONS_FILE.name}: {record_id}.{key}: unknown record "
                                f"'{link['pasal']}'")
    for e in kb.all_entries():
        if e.get("jenis") == "pasal":
            # reached by action_jawab_pasal: by its own title, or by each of its numbers
            found = any(r["id"] == e["id"] for r, _ in kb.search_pasal(e["judul"], limit=5))
            if not found:
                problems.append(f"pasal record '{e['id']}' is not found by its title "
                                f"(\"{e['judul']}\") in the pasal search")
        elif e["id"] not in entries:
            problems.append(f"entry '{e['id']}' ({e.get('_file') or e['topik']}) is not reachable: "
                            f"no intent, refinement or fact in {path.name} leads to it")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m knowledge")
    ap.add_argument("command", choices=["check"])
    ap.add_argument("--data", default=None, help="data directory (default knowledge/data)")
    ap.add_argument("--config", default=None,
                    help="polres config (default $POLRES_CONFIG or config/polres.yml)")
    args = ap.parse_args(argv)
    try:
        kb = load_kb(args.data, args.config)
    except KnowledgeError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    if args.data is None:
        missing = [i for i in required_ids() if kb.entry(i) is None]
        if missing:
            print(f"INVALID: entries named in {INTENT_TABLE.name} missing: {', '.join(missing)}",
                  file=sys.stderr)
            return 1
        try:
            problems = reachability_problems(kb)
        except KnowledgeError as exc:
            print(f"INVALID: {exc}", file=sys.stderr)
            return 1
        if problems:
            for p in problems:
                print(f"INVALID: {p}", file=sys.stderr)
            return 1
    print(f"knowledge OK: data={kb.data_dir} config={kb.config_path}")
    total = 0
    for topik, n in kb.counts().items():
        print(f"  {topik:8s} {n:3d} entries")
        total += n
    print(f"  {'total':8s} {total:3d}  (+{len(kb.sim_classes(True))} SIM classes, "
          f"{len(kb.emergency_numbers())} emergency numbers, {len(kb.kategori_denda())} fine categories)")
    nc = kb.not_certain()
    print(f"not 'pasti' ({len(nc)}):")
    for e in nc:
        print(f"  {e['kepastian']:11s} {e['id']}")
    unset = [k for k in ("alamat", "kontak.telepon", "kontak.whatsapp", "jam_layanan.spkt",
                         "jam_layanan.satpas", "jam_layanan.skck", "sim_keliling", "operasi_aktif")
             if kb.local(k) is None]
    if unset:
        print(f"config values not set (bot says 'belum tersedia'): {', '.join(unset)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
