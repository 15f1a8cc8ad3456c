"""JSONL outbox for reports that could not reach the report API (standard library only).

The Rasa action server appends one line per report (`append`) when the API is unreachable; the
report service ingests the file on start and periodically (`ingest(store, path)`); `queued_for`
counts a reporter's waiting reports. Writers and the ingester serialise on an flock of
`<path>.lock`. This module is the only one that knows the line format:
`{"v": 1, "antre": "<ISO time>", "payload": {new-report payload}}`.
Import direction: the outbox uses a store (any object with `create`); the store does not know
the outbox.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from . import schema
from .times import iso_wib

logger = logging.getLogger(__name__)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _line(payload: Dict[str, Any]) -> str:
    return json.dumps({"v": 1, "antre": iso_wib(), "payload": payload}, ensure_ascii=False)


def _payload_of(line: str) -> Any:
    """The report payload of one line; raises ValueError when the line is not JSON."""
    item = json.loads(line)
    return item.get("payload", item) if isinstance(item, dict) else item


def queued_for(path: os.PathLike | str, pelapor: str) -> int:
    """How many reports of `pelapor` still wait in the outbox (0 when it cannot be read)."""
    n = 0
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    payload: Optional[Any] = _payload_of(line)
                except ValueError:
                    continue
                if isinstance(payload, dict) and payload.get("pelapor") == pelapor:
                    n += 1
    except OSError:
        return 0
    return n


def append(path: os.PathLike | str, payload: Dict[str, Any]) -> None:
    """Durably append one report payload (fsync before returning)."""
    path = Path(path)
    line = _line(payload)
    with _locked(path):
        fd = os.open(str(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def ingest(store, path: os.PathLike | str) -> int:
    """Create every queued report in `store` (a reports.store.ReportStore); returns the number of
    newly created reports."""
    path = Path(path)
    if not path.exists():
        return 0
    created_n = 0
    with _locked(path):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return 0
        keep, rejected = [], []
        for line in lines:
            if not line.strip():
                continue
            try:
                payload = _payload_of(line)
            except ValueError as exc:
                rejected.append({"baris": line, "error": f"JSON tidak valid: {exc}"})
                continue
            try:
                _, created = store.create(payload, notify_pelapor=True)
                created_n += int(created)
            except schema.ReportInvalid as exc:
                rejected.append({"baris": line, "field": exc.field, "error": exc.pesan})
                logger.error("outbox line rejected (%s): %s", exc.field, exc.pesan)
            except Exception as exc:  # noqa: BLE001 - keep the line and retry later
                logger.exception("outbox line kept for retry: %s", exc)
                keep.append(line)
        if rejected:
            with open(str(path) + ".rejected", "a", encoding="utf-8") as fh:
                for r in rejected:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("".join(k + "\n" for k in keep))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    if created_n:
        logger.info("ingested %d report(s) from %s", created_n, path)
    return created_n
