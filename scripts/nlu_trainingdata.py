"""Line-aware reader for Rasa NLU YAML files (data/nlu/*.yml), shared by the trainer tools.

Rasa's own reader loses line numbers; trainers need "file:line" for every problem, so the
tools read the simple, documented layout of our files:

    nlu:
    - intent: sim_biaya
      examples: |
        - berapa biaya sim [c](jenis_sim)

Standard library + PyYAML only (runs in .venv/rasa).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

TOPICS = ("sapaan", "sim", "skck", "layanan", "pasal", "lapor", "blokir", "lanjut")
# [text](entity) , [text](entity:value) , [text]{"entity": ..., "value": ...}
ENTITY_RE = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]*\}))")
BLOCK_RE = re.compile(r"^-\s+(intent|synonym|regex|lookup)\s*:\s*(.+?)\s*$")
EXAMPLE_RE = re.compile(r"^\s+-\s+(.*?)\s*$")


@dataclass
class Example:
    file: str
    line: int
    kind: str  # intent / synonym / regex / lookup
    name: str
    raw: str
    text: str = ""
    entities: List[Tuple[str, str, Optional[str]]] = field(default_factory=list)  # (entity, text, value)


def strip_entities(raw: str) -> Tuple[str, List[Tuple[str, str, Optional[str]]]]:
    """Plain text and entity annotations of an example line."""
    entities = []

    def repl(m: re.Match) -> str:
        text = m.group("text")
        if m.group("short"):
            name, _, value = m.group("short").partition(":")
            entities.append((name.strip(), text, value.strip() or None))
        else:
            try:
                data = json.loads(m.group("json"))
            except ValueError:
                data = {}
            entities.append((str(data.get("entity", "")), text, data.get("value")))
        return text

    return ENTITY_RE.sub(repl, raw), entities


def normalise(text: str) -> str:
    """Comparison key: lower case, no punctuation at the ends, single spaces."""
    text = re.sub(r"\s+", " ", text.lower()).strip()
    return text.strip(" ?!.,;:")


def read_file(path: Path) -> List[Example]:
    examples: List[Example] = []
    kind = name = None
    in_examples = False
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = BLOCK_RE.match(line)
        if m:
            kind, name = m.group(1), m.group(2).strip().strip("\"'")
            in_examples = False
            continue
        if re.match(r"^\s+examples\s*:\s*\|", line):
            in_examples = True
            continue
        if not line.startswith(" "):
            kind = name = None
            in_examples = False
            continue
        if in_examples and kind:
            em = EXAMPLE_RE.match(line)
            if em:
                raw = em.group(1)
                text, ents = strip_entities(raw) if kind == "intent" else (raw, [])
                examples.append(Example(str(path), lineno, kind, name, raw, text, ents))
    return examples


def read_dir(directory: Path) -> List[Example]:
    out: List[Example] = []
    for path in sorted(Path(directory).glob("*.yml")) + sorted(Path(directory).glob("*.yaml")):
        out.extend(read_file(path))
    return out


def load_yaml_examples(path: Path) -> Dict[str, List[str]]:
    """{intent: [plain text]} of an NLU YAML file, via PyYAML (for hold-out/validation sets)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    result: Dict[str, List[str]] = {}
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        lines = [
            line.strip()[2:].strip()
            for line in str(block.get("examples") or "").splitlines()
            if line.strip().startswith("- ")
        ]
        result.setdefault(str(block["intent"]), []).extend(strip_entities(line)[0] for line in lines)
    return result
