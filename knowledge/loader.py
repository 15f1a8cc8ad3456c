"""Load and validate the knowledge base (YAML data + operator config).

Only stdlib + PyYAML + jsonschema. Every failure is raised as KnowledgeError naming the
file, the entry (id or index) and the field.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

import jsonschema
import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DEFAULT_DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_CONFIG_PATH = REPO_DIR / "config" / "polres.yml"
SCHEMA_DIR = PACKAGE_DIR / "schema"
CONFIG_ENV = "POLRES_CONFIG"

log = logging.getLogger(__name__)

# Lists inside a topic file whose items are identified for error messages.
_ITEM_LISTS = ("entries", "pasal", "golongan", "kategori_denda", "nomor_darurat")
_ITEM_KEYS = ("id", "kelas", "kategori", "nomor", "nama", "lokasi")


class KnowledgeError(Exception):
    """Invalid or unreadable knowledge data/config.

    Attributes: file (path str or None), entry (id or index or None), field (str or None).
    """

    def __init__(self, message: str, file: Any = None, entry: Any = None, field: Any = None,
                 line: Optional[int] = None):
        self.message = message
        self.file = str(file) if file is not None else None
        self.entry = entry
        self.field = field
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file={self.file}" + (f":{self.line}" if self.line else ""))
        if self.entry is not None:
            where.append(f"entry={self.entry}")
        if self.field:
            where.append(f"field={self.field}")
        loc = f" [{', '.join(where)}]" if where else ""
        return f"Knowledge error{loc}: {self.message}".replace("\n", " ")


class _StrDateLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as plain strings (we validate them ourselves)."""


_StrDateLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError("file not found / berkas tidak ditemukan", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"cannot read file: {exc}", file=path) from None
    try:
        return yaml.load(text, Loader=_StrDateLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise KnowledgeError(f"invalid YAML{line}: {problem}", file=path) from None


def _load_schema(name: str) -> Dict[str, Any]:
    path = SCHEMA_DIR / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"cannot read schema: {exc}", file=path) from None


_SCHEMAS: Dict[str, Any] = {}


def _validator(name: str):
    if name not in _SCHEMAS:
        schema = _load_schema(name)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _SCHEMAS[name] = cls(schema)
    return _SCHEMAS[name]


def _item_label(doc: Any, path: List[Any]) -> Tuple[Any, List[Any]]:
    """Return (entry label, remaining path) for a jsonschema error path."""
    if len(path) >= 2 and path[0] in _ITEM_LISTS and isinstance(path[1], int):
        idx = path[1]
        label: Any = f"{path[0]}[{idx}]"
        try:
            item = doc[path[0]][idx]
        except (KeyError, IndexError, TypeError):
            item = None
        if isinstance(item, dict):
            for key in _ITEM_KEYS:
                val = item.get(key)
                if isinstance(val, (str, int)) and val != "":
                    label = val
                    break
        return label, path[2:]
    if len(path) >= 2 and isinstance(path[1], int):  # config lists (sim_keliling[0].x)
        return f"{path[0]}[{path[1]}]", path[2:]
    return None, path


def _field_from_error(err: jsonschema.ValidationError, rest: List[Any]) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in rest]
    field = ".".join(parts).replace(".[", "[")
    if err.validator == "required":
        m = re.match(r"'([^']+)' is a required property", err.message)
        missing = m.group(1) if m else "?"
        field = f"{field}.{missing}" if field else missing
    elif err.validator == "anyOf" and isinstance(err.validator_value, list) and all(
        isinstance(s, dict) and "required" in s for s in err.validator_value
    ):
        alts = "|".join(r for s in err.validator_value for r in s["required"])
        field = f"{field}.{alts}" if field else alts
    elif err.validator == "additionalProperties":
        m = re.findall(r"'([^']+)'", err.message)
        extra = ",".join(m) if m else "?"
        field = f"{field}.{extra}" if field else extra
    return field or "(root)"


def _message_from_error(err: jsonschema.ValidationError) -> str:
    if err.validator == "anyOf" and isinstance(err.validator_value, list) and all(
        isinstance(s, dict) and "required" in s for s in err.validator_value
    ):
        return "needs a legal basis or a source (dasar_hukum atau sumber wajib diisi)"
    if err.validator == "required":
        return f"{err.message} (wajib diisi)"
    if err.validator == "pattern" and "[0-9]{4}-[0-9]{2}-[0-9]{2}" in str(err.validator_value):
        return f"{err.instance!r} is not an ISO date YYYY-MM-DD (tanggal tidak valid)"
    if err.validator == "additionalProperties":
        return f"{err.message} (kolom tidak dikenal)"
    msg = err.message
    if len(msg) > 200:
        msg = msg[:200] + "..."
    return msg


def yaml_line(path: Path, data_path: List[Any]) -> Optional[int]:
    """1-based line of the node at data_path (deepest existing node) in a YAML file, or None."""
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_StrDateLoader)
    except Exception:  # noqa: BLE001 - best effort only
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in data_path:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    nxt, line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def validate_doc(doc: Any, schema_name: str, path: Path) -> None:
    """Validate doc against a schema; raise KnowledgeError for the first error."""
    validator = _validator(schema_name)
    errors = list(validator.iter_errors(doc))
    if not errors:
        return
    # Deterministic: shallowest-to-deepest by path, prefer the most specific error in a branch.
    errors.sort(key=lambda e: ([str(p) for p in e.absolute_path], -len(e.absolute_path)))
    err = jsonschema.exceptions.best_match(errors) if len(errors) > 1 else errors[0]
    # best_match can pick a parent 'oneOf'; descend into its context for a clearer message.
    while err.context and err.validator in ("oneOf",):
        err = sorted(err.context, key=lambda e: -len(e.absolute_path))[0]
    abs_path = list(err.absolute_path)
    label, rest = _item_label(doc, abs_path)
    raise KnowledgeError(
        _message_from_error(err), file=path, entry=label, field=_field_from_error(err, rest),
        line=yaml_line(path, abs_path),
    )


def check_iso_date(value: Any, path: Path, entry: Any, field: str,
                   data_path: Optional[List[Any]] = None) -> None:
    if value in (None, ""):
        return
    try:
        _dt.date.fromisoformat(str(value))
    except ValueError:
        raise KnowledgeError(
            f"{value!r} is not a valid calendar date (tanggal tidak valid)",
            file=path, entry=entry, field=field,
            line=yaml_line(path, data_path) if data_path else None,
        ) from None


def _as_list(value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _check_balanced(item: Dict[str, Any], path: Path, label: Any, idx: int, list_name: str) -> None:
    """Catch YAML flow lists split at a comma inside parentheses: [kompas (2020, 2022)]."""
    for field in ("dasar_hukum", "sumber", "kata_kunci", "poin", "langkah"):
        for i, text in enumerate(item.get(field) or []):
            if isinstance(text, str) and text.count("(") != text.count(")"):
                raise KnowledgeError(
                    f"unbalanced parentheses in {text!r}; quote list items that contain commas "
                    "(tanda kurung tidak seimbang, beri tanda kutip)",
                    file=path, entry=label, field=f"{field}[{i}]",
                    line=yaml_line(path, [list_name, idx, field, i]),
                )


def load_topic_file(path: Path) -> Dict[str, Any]:
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise KnowledgeError("top level must be a mapping with 'topik' and 'entries'", file=path)
    validate_doc(doc, "topic.schema.json", path)
    topik = doc["topik"]
    if Path(path).stem != topik:
        raise KnowledgeError(
            f"topik '{topik}' does not match file name '{Path(path).name}'", file=path, field="topik"
        )
    doc = copy.deepcopy(doc)
    for list_name in ("entries", "pasal"):
        for i, item in enumerate(doc.get(list_name) or []):
            eid = item.get("id", f"{list_name}[{i}]")
            if not eid.startswith(topik + "."):
                raise KnowledgeError(
                    f"id must start with '{topik}.'", file=path, entry=eid, field="id",
                    line=yaml_line(path, [list_name, i, "id"]),
                )
            check_iso_date(item.get("berlaku_sejak"), path, eid, "berlaku_sejak",
                           [list_name, i, "berlaku_sejak"])
            item["dasar_hukum"] = _as_list(item.get("dasar_hukum"))
            item["sumber"] = _as_list(item.get("sumber"))
            _check_balanced(item, path, eid, i, list_name)
            item["topik"] = topik
            item["jenis"] = "pasal" if list_name == "pasal" else "info"
    for i, item in enumerate(doc.get("nomor_darurat") or []):
        check_iso_date(item.get("berlaku_sejak"), path, item.get("nomor", i), "berlaku_sejak",
                       ["nomor_darurat", i, "berlaku_sejak"])
        item["dasar_hukum"] = _as_list(item.get("dasar_hukum"))
        item["sumber"] = _as_list(item.get("sumber"))
    return doc


def load_config(path: Path) -> Dict[str, Any]:
    doc = read_yaml(path)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise KnowledgeError("top level must be a mapping", file=path)
    validate_doc(doc, "polres.schema.json", path)
    check_iso_date(doc.get("diperbarui"), path, None, "diperbarui", ["diperbarui"])
    for i, item in enumerate(doc.get("sim_keliling") or []):
        check_iso_date(item.get("tanggal"), path, f"sim_keliling[{i}]", "tanggal",
                       ["sim_keliling", i, "tanggal"])
    for i, item in enumerate(doc.get("operasi_aktif") or []):
        label = item.get("nama") or f"operasi_aktif[{i}]"
        check_iso_date(item.get("mulai"), path, label, "mulai", ["operasi_aktif", i, "mulai"])
        check_iso_date(item.get("selesai"), path, label, "selesai", ["operasi_aktif", i, "selesai"])
        if item["selesai"] < item["mulai"]:
            raise KnowledgeError(
                "selesai is before mulai (tanggal selesai sebelum tanggal mulai)",
                file=path, entry=label, field="selesai",
                line=yaml_line(path, ["operasi_aktif", i, "selesai"]),
            )
    return doc


def resolve_paths(data_dir: Optional[os.PathLike] = None,
                  config_path: Optional[os.PathLike] = None) -> Tuple[Path, Path]:
    d = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if config_path is not None:
        c = Path(config_path)
    elif os.environ.get(CONFIG_ENV):
        c = Path(os.environ[CONFIG_ENV])
    else:
        c = DEFAULT_CONFIG_PATH
    return d.resolve(), c.resolve()


def load_raw(data_dir: Path, config_path: Path) -> Tuple[Dict[str, Dict[str, Any]], Dict[str, Any]]:
    """Load + validate every topic file and the config. Returns ({topik: doc}, config)."""
    if not data_dir.is_dir():
        raise KnowledgeError("data directory not found / folder data tidak ditemukan", file=data_dir)
    files = sorted(p for p in data_dir.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    if not files:
        raise KnowledgeError("no topic files (*.yml) in data directory", file=data_dir)
    topics: Dict[str, Dict[str, Any]] = {}
    seen: Dict[str, Path] = {}
    for f in files:
        doc = load_topic_file(f)
        for list_name in ("entries", "pasal"):
            for i, item in enumerate(doc.get(list_name) or []):
                if item["id"] in seen:
                    raise KnowledgeError(
                        f"duplicate id (also in {seen[item['id']].name})",
                        file=f, entry=item["id"], field="id", line=yaml_line(f, [list_name, i, "id"]),
                    )
                seen[item["id"]] = f
        doc["_file"] = str(f)
        topics[doc["topik"]] = doc
    config = load_config(config_path)
    return topics, config


def file_stamps(data_dir: Path, config_path: Path) -> Tuple:
    """Modification times of the topic files and the config: a change means reload."""
    stamps = []
    try:
        for p in sorted(data_dir.iterdir()):
            if p.suffix in (".yml", ".yaml"):
                stamps.append((p.name, p.stat().st_mtime_ns))
    except OSError:
        pass
    try:
        stamps.append(("__config__", config_path.stat().st_mtime_ns))
    except OSError:
        stamps.append(("__config__", None))
    return tuple(stamps)


T = TypeVar("T")
_cache: Dict[Tuple[str, str], Tuple[Tuple, Any]] = {}
_cache_lock = threading.Lock()


def load_cached(data_dir: Path, config_path: Path,
                build: Callable[[Dict[str, Dict[str, Any]], Dict[str, Any], Path, Path], T]) -> T:
    """`build(topics, config, data_dir, config_path)` over the validated files, cached per paths.

    Files are re-read when their modification time changes. If a reload fails but an earlier
    valid version is cached, the earlier version is kept (and the error logged); a first load
    raises KnowledgeError.
    """
    key = (str(data_dir), str(config_path))
    stamp = file_stamps(data_dir, config_path)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            topics, config = load_raw(data_dir, config_path)
        except KnowledgeError as exc:
            if cached is not None:
                log.error("knowledge reload failed, keeping previous version: %s", exc)
                return cached[1]
            raise
        except Exception as exc:  # defensive: never leak a bare exception type
            err = KnowledgeError(f"unexpected error while loading: {exc!r}", file=data_dir)
            if cached is not None:
                log.error("knowledge reload failed, keeping previous version: %s", err)
                return cached[1]
            raise err from exc
        value = build(topics, config, data_dir, config_path)
        _cache[key] = (stamp, value)
        return value


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
