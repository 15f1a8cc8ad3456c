#!/usr/bin/env python3
"""Hold-out honesty check (`make validate`): no evaluation or test phrase may stand in the
training data, exactly or nearly.

Evaluation side ("test phrases"):
- every example of an NLU-format file under tests/nlu/ and tests/rasa/data/ (hold-out,
  development split, ...);
- every user turn of tests/nlu/dialogues.yml (`user:`) and question of tests/nlu/facts.yml
  (`question:`);
- every message-like string literal of the test modules that MEASURE the NLU (NLU_TEST_MODULES:
  hard negatives, refusal phrases, guard phrases; see `message_literals`: strings of 2..30 words
  of letters, digits and light punctuation, not docstrings, f-strings, code, URLs, or bot-side
  fields of a reply written as dict literals: "text", "title", "payload", "reply").
  Behaviour tests of actions and flows (test_actions.py, test_conversations.py, the Matrix and
  web chat suites) are out of scope on purpose: they drive the bot with canonical phrases
  ("sim A", "pasal 362") to check what it does, not how well the classifier generalises.
Training side: every intent example, synonym and lookup entry of data/nlu/*.yml (entity
annotations stripped; regex patterns are not text and are skipped).

Both sides are normalised like /work/shared/hooks/overlap_check.py: entity annotations
`[text](entity)` / `[text]{...}` -> text, lower case, every non-word character -> space,
single spaces. Then:
- exact overlap: equal normalised strings;
- near overlap: difflib.SequenceMatcher(None, train, test).ratio() >= 0.90 (the semantics of
  difflib.get_close_matches(test, train, cutoff=0.90)); the reverse argument order is also
  checked, so either direction counts.
Speed: rapidfuzz's fuzz.ratio is the Indel similarity 2*LCS/(len a + len b), which is never
below difflib's ratio (difflib's matching blocks form a common subsequence). So rapidfuzz with
score_cutoff 90 selects a superset of the difflib hits, and each candidate is confirmed with
difflib itself: the result is exactly the difflib answer, about 100x faster.

Prints `test_file:line <-> train_file:line (ratio) text` for every overlap and exits 1 when
there is any. `--summary` prints only counts; `--json` writes the overlaps as JSON.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional

import yaml

from scripts.nlu_trainingdata import read_file

ROOT = Path(__file__).resolve().parent.parent

CUTOFF = 0.90
ENT_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def norm(text: str) -> str:
    text = ENT_RE.sub(lambda m: m.group(1) or m.group(2), text)
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


@dataclass
class Phrase:
    file: str
    line: int
    text: str
    key: str = ""

    def __post_init__(self):
        self.key = norm(self.text)

    def where(self) -> str:
        try:
            rel = Path(self.file).resolve().relative_to(ROOT)
        except ValueError:
            rel = Path(self.file)
        return f"{rel}:{self.line}"


# ------------------------------------------------------------------------------ collecting
def training_phrases(data_dir: Path) -> List[Phrase]:
    out = []
    for path in sorted(Path(data_dir).glob("*.yml")):
        out += [Phrase(e.file, e.line, e.text) for e in read_file(path) if e.kind != "regex"]
    return out


TURN_RE = re.compile(r"^\s*(?:-\s+)?(user|question)\s*:\s*(.+?)\s*$")


def yaml_test_phrases(path: Path) -> List[Phrase]:
    """NLU-format examples, dialogue user turns and fact questions, with their line numbers."""
    out = [Phrase(e.file, e.line, e.text) for e in read_file(path) if e.kind == "intent"]
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = TURN_RE.match(line)
        if m:
            try:
                value = yaml.safe_load(m.group(2))
            except yaml.YAMLError:
                value = m.group(2)
            if isinstance(value, str) and value.strip():
                out.append(Phrase(str(path), lineno, value))
    return out


BOT_FIELDS = {"text", "title", "payload", "reply"}
MESSAGE_RE = re.compile(r"^[\w\s?!.,'’:;()\-/+&%]+$", re.UNICODE)


def message_literals(path: Path) -> List[Phrase]:
    """Message-like string literals of a test module: what a user might type."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError:
        return []
    skip = set()
    for node in ast.walk(tree):  # docstrings and f-string parts are not messages
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
        if isinstance(node, ast.Dict):  # bot-side fields of a reply: {"text": ..., "title": ...}
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value in BOT_FIELDS:
                    skip.add(id(v))
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        s = node.value.strip()
        words = s.split()
        if not (2 <= len(words) <= 30) or "\n" in s or not MESSAGE_RE.match(s):
            continue
        if s.startswith(("/", "http", "-", "Mohon maaf", "Maksud Anda")) or "_" in s:
            continue
        out.append(Phrase(str(path), node.lineno, s))
    return out


NLU_TEST_MODULES = ("tests/rasa/test_refusals.py", "tests/rasa/test_nlu_quality.py",
                    "tests/rasa/test_dialogues.py")


def test_phrases(root: Path = ROOT) -> List[Phrase]:
    out: List[Phrase] = []
    for d in (root / "tests" / "nlu", root / "tests" / "rasa" / "data"):
        for path in sorted(d.glob("*.yml")) if d.exists() else []:
            out += yaml_test_phrases(path)
    for rel in NLU_TEST_MODULES:
        if (root / rel).exists():
            out += message_literals(root / rel)
    return out


# ------------------------------------------------------------------------------ comparing
@dataclass
class Overlap:
    test: Phrase
    train: Phrase
    ratio: float

    @property
    def exact(self) -> bool:
        return self.test.key == self.train.key


def difflib_ratio(a: str, b: str) -> float:
    return max(difflib.SequenceMatcher(None, a, b).ratio(), difflib.SequenceMatcher(None, b, a).ratio())


def find_overlaps(tests: Iterable[Phrase], train: List[Phrase], cutoff: float = CUTOFF) -> List[Overlap]:
    """One Overlap per test phrase (its closest training phrase), for phrases at/above cutoff."""
    from rapidfuzz import fuzz, process

    train = [t for t in train if t.key]
    by_key = {}
    for t in train:
        by_key.setdefault(t.key, t)
    keys = list(by_key)
    out = []
    for ph in tests:
        if not ph.key:
            continue
        if ph.key in by_key:
            out.append(Overlap(ph, by_key[ph.key], 1.0))
            continue
        best: Optional[Overlap] = None
        for cand, _score, _idx in process.extract(ph.key, keys, scorer=fuzz.ratio,
                                                 score_cutoff=cutoff * 100 - 1e-6, limit=None):
            r = difflib_ratio(ph.key, cand)
            if r >= cutoff and (best is None or r > best.ratio):
                best = Overlap(ph, by_key[cand], r)
        if best:
            out.append(best)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT / "data" / "nlu"))
    ap.add_argument("--only", nargs="*", help="check only these test files (default: all)")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--json", help="write the overlaps to this JSON file")
    args = ap.parse_args(argv)
    train = training_phrases(Path(args.data))
    if args.only:
        tests = []
        for f in args.only:
            p = Path(f)
            tests += message_literals(p) if p.suffix == ".py" else yaml_test_phrases(p)
    else:
        tests = test_phrases()
    overlaps = find_overlaps(tests, train)
    exact = [o for o in overlaps if o.exact]
    near = [o for o in overlaps if not o.exact]
    if not args.summary:
        for o in exact + near:
            kind = "sama persis" if o.exact else f"mirip {o.ratio:.2f}"
            print(f"ERROR: {o.test.where()}: contoh uji ada di data latih ({kind}) "
                  f"{o.train.where()}: {o.test.text!r} ~ {o.train.text!r}")
    if args.json:
        Path(args.json).write_text(json.dumps([
            {"test": o.test.where(), "test_text": o.test.text, "train": o.train.where(),
             "train_text": o.train.text, "ratio": round(o.ratio, 4), "exact": o.exact}
            for o in overlaps], indent=1, ensure_ascii=False))
    print(f"    {len(tests)} test phrases vs {len(train)} training examples: "
          f"{len(exact)} exact, {len(near)} near (ratio >= {CUTOFF}) overlaps")
    return 1 if overlaps else 0


if __name__ == "__main__":
    sys.exit(main())
