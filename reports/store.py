"""Durable store of incident reports, their status history and an outbox of notifications.

Standard library only (sqlite3). SQLite is the default (`var/reports.db`, WAL, transactions).
`REPORTS_DB_URL=postgresql://...` uses psycopg2 when it is installed; the SQL is kept portable
(`?` placeholders are rewritten to `%s`; `INSERT ... ON CONFLICT ... RETURNING` works in both).

Ids are `LK-<year>-<6 digits>`, sequential per year (Asia/Jakarta calendar year). Creating a report
with an idempotency key that already exists returns the existing report. Every new report enqueues
an operator notification and every status change a reporter notification, in the same
transaction, so a crash never loses a message; consumers deliver and then `mark_notified`.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import var_layout

from . import access, schema, texts
from .db import (
    MIGRATIONS,
    SCHEMA_SQL,
    SQL_OLD_CLOSED,
    Cursor,
    add_column_if_missing,
    integrity_errors,
    portable,
    row_to_report,
)
from .times import iso_wib

logger = logging.getLogger(__name__)

DEFAULT_DB = var_layout.REPORTS_DB


class ReportNotFound(LookupError):
    def __init__(self, laporan_id: str):
        super().__init__(f"Laporan {laporan_id} tidak ditemukan.")
        self.laporan_id = laporan_id
        self.pesan = f"Laporan {laporan_id} tidak ditemukan."


class TransitionInvalid(ValueError):
    def __init__(self, pesan: str, field: str = "status"):
        super().__init__(pesan)
        self.pesan = pesan
        self.field = field


def _now_iso() -> str:
    return iso_wib()


class ReportStore:
    """Thread-safe store (one connection guarded by a lock)."""

    def __init__(self, path: Optional[os.PathLike | str] = None, *, _pg_dsn: Optional[str] = None):
        self._lock = threading.RLock()
        self._pg = _pg_dsn is not None
        if self._pg:
            import psycopg2  # type: ignore  # optional dependency

            self._conn = psycopg2.connect(_pg_dsn)
            self._conn.autocommit = False
            self.path = None
        else:
            self.path = Path(path) if path else DEFAULT_DB
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=10, isolation_level=None,
                                         check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._conn.execute("PRAGMA foreign_keys=ON")
        with self._tx() as cur:
            for stmt in SCHEMA_SQL:
                cur.execute(stmt)
        self._migrate()
        self._code_failures = access.FailureLimiter()

    def _migrate(self) -> None:
        """Add the columns of db.MIGRATIONS that an older database lacks (idempotent)."""
        for table, column, sql_type in MIGRATIONS:
            with self._tx() as cur:
                if add_column_if_missing(cur, self._pg, table, column, sql_type):
                    logger.info("report store: added column %s.%s", table, column)

    # ---------------------------------------------------------------- plumbing
    def close(self) -> None:
        with self._lock:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass

    def __enter__(self) -> "ReportStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _sql(self, sql: str) -> str:
        return portable(sql, self._pg)

    @contextmanager
    def _tx(self) -> Iterator[Cursor]:
        """One write transaction (SQLite: BEGIN IMMEDIATE, so concurrent writers queue up)."""
        with self._lock:
            if self._pg:
                cur = self._conn.cursor()
                try:
                    yield Cursor(cur, self._pg)
                    self._conn.commit()
                except BaseException:
                    self._conn.rollback()
                    raise
                finally:
                    cur.close()
            else:
                self._conn.execute("BEGIN IMMEDIATE")
                cur = self._conn.cursor()
                try:
                    yield Cursor(cur, self._pg)
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                finally:
                    cur.close()

    def _query(self, sql: str, params: Tuple = ()) -> List[Dict[str, Any]]:
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute(self._sql(sql), params)
                cols = [d[0] for d in cur.description]
                rows = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
                if self._pg:
                    self._conn.commit()
                return rows
            finally:
                cur.close()

    # ---------------------------------------------------------------- reports
    def create(self, payload: Dict[str, Any], *, notify_pelapor: bool = False
               ) -> Tuple[Dict[str, Any], bool]:
        """Validate and store a new report. Returns (report, created); see create_with_code."""
        report, created, _ = self.create_with_code(payload, notify_pelapor=notify_pelapor)
        return report, created

    def create_with_code(self, payload: Dict[str, Any], *, notify_pelapor: bool = False
                         ) -> Tuple[Dict[str, Any], bool, Optional[str]]:
        """Validate and store a new report. Returns (report, created, kode): `kode`, the secret
        status code (reports/access.py), only when this call created it (only its hash is stored).

        A repeated idempotency key returns the stored report and created=False (the payload is not
        compared). `notify_pelapor=True` also enqueues a reporter message "your report is recorded
        as LK-..." (used for reports that were queued in the outbox while the API was down).
        Raises ReportInvalid.
        """
        data = schema.validate_new(payload)
        existing = self._by_key(data["idempotency_key"])
        if existing:
            return existing, False, None
        now = _now_iso()
        tahun = datetime.fromisoformat(now).year
        try:
            with self._tx() as cur:
                cur.execute("SELECT id FROM reports WHERE idempotency_key = ?", (data["idempotency_key"],))
                row = cur.fetchone()
                if row:
                    rid, kode = row[0], None
                    created = False
                else:
                    cur.execute(
                        "INSERT INTO report_seq (tahun, terakhir) VALUES (?, 1) "
                        "ON CONFLICT (tahun) DO UPDATE SET terakhir = report_seq.terakhir + 1 "
                        "RETURNING terakhir", (tahun,))
                    nomor = cur.fetchone()[0]
                    if nomor > 999999:
                        raise RuntimeError(f"report number overflow for {tahun}")
                    rid = f"LK-{tahun}-{nomor:06d}"
                    kode = access.new_code()
                    lok = data["lokasi"]
                    cur.execute(
                        "INSERT INTO reports (id, tahun, nomor, jenis, lokasi_teks, lat, lon, waktu, "
                        "waktu_iso, deskripsi, lampiran, kanal, pelapor, pelapor_nama, ruang, "
                        "idempotency_key, status, alasan, ditangani_oleh, operator_event_id, dibuat, "
                        "diperbarui, kode_hash, kontak) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?, ?, 'baru', NULL, NULL, NULL, ?, ?, ?, ?)",
                        (rid, tahun, nomor, data["jenis"], lok["teks"], lok.get("lat"), lok.get("lon"),
                         data["waktu"], data["waktu_iso"], data["deskripsi"],
                         json.dumps(data["lampiran"], ensure_ascii=False), data["kanal"],
                         data["pelapor"], data["pelapor_nama"], data["ruang"],
                         data["idempotency_key"], now, now, access.hash_code(rid, kode), data["kontak"]))
                    cur.execute(
                        "INSERT INTO report_history (laporan_id, urutan, status, oleh, alasan, waktu) "
                        "VALUES (?, 1, 'baru', ?, NULL, ?)", (rid, data["pelapor"], now))
                    report = self._get_in(cur, rid)
                    self._enqueue(cur, report, "operator", texts.format_card(report), now)
                    if notify_pelapor:
                        self._enqueue(cur, report, "pelapor", texts.format_status_message(report), now)
                    created = True
        except integrity_errors():
            # a concurrent writer (other process) created the same key first
            existing = self._by_key(data["idempotency_key"])
            if existing:
                return existing, False, None
            raise
        return self.get(rid), created, (kode if created else None)

    def _by_key(self, key: str) -> Optional[Dict[str, Any]]:
        rows = self._query("SELECT * FROM reports WHERE idempotency_key = ?", (key,))
        return row_to_report(rows[0]) if rows else None

    def _get_in(self, cur: Cursor, rid: str) -> Optional[Dict[str, Any]]:
        cur.execute("SELECT * FROM reports WHERE id = ?", (rid,))
        row = cur.fetchone_dict()
        return row_to_report(row) if row else None

    def get(self, laporan_id: str) -> Optional[Dict[str, Any]]:
        rid = (laporan_id or "").strip().upper()
        rows = self._query("SELECT * FROM reports WHERE id = ?", (rid,))
        return row_to_report(rows[0]) if rows else None

    def list(self, status: Optional[str] = None, jenis: Optional[str] = None,
             kanal: Optional[str] = None, pelapor: Optional[str] = None,
             limit: int = 50, offset: int = 0) -> List[Dict[str, Any]]:
        """Reports, newest first, optionally filtered."""
        where, params = [], []
        for col, val in (("status", status), ("jenis", jenis), ("kanal", kanal), ("pelapor", pelapor)):
            if val:
                where.append(f"{col} = ?")
                params.append(val)
        sql = "SELECT * FROM reports"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY dibuat DESC, tahun DESC, nomor DESC LIMIT ? OFFSET ?"
        params += [max(1, min(int(limit), 500)), max(0, int(offset))]
        return [row_to_report(r) for r in self._query(sql, tuple(params))]

    def reports_for(self, pelapor: str, limit: int = 20) -> List[Dict[str, Any]]:
        return self.list(pelapor=pelapor, limit=limit)

    def status_for(self, laporan_id: str, *, pelapor: Optional[str] = None,
                   kanal: Optional[str] = None, kode: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The status view (access.status_view) of a report for its reporter (same pelapor and
        kanal) or for the holder of its code; None when there is no such report or the caller
        may not see it (the same answer, so ids cannot be enumerated)."""
        rid = (laporan_id or "").strip().upper()
        rows = self._query("SELECT * FROM reports WHERE id = ?", (rid,))
        if not rows:
            return None
        report = row_to_report(rows[0])
        if access.is_reporter(report, pelapor, kanal):
            return access.status_view(report, reporter=True)
        if not kode or self._code_failures.blocked(rid):
            return None
        if access.code_matches(rid, kode, rows[0].get("kode_hash")):
            return access.status_view(report, reporter=False)
        self._code_failures.failed(rid)
        logger.warning("wrong status code for %s", rid)
        return None

    def purge_closed(self, older_than_days: float, now: Optional[datetime] = None) -> List[str]:
        """Delete closed reports last changed over `older_than_days` ago (and their history,
        notifications); returns their ids."""
        cut = iso_wib((now or datetime.now(tz=timezone.utc)) - timedelta(days=older_than_days))
        with self._tx() as cur:
            cur.execute(SQL_OLD_CLOSED, (cut,))
            ids = [row[0] for row in cur.fetchall()]
            for rid in ids:
                for table in ("notifications", "report_history"):
                    cur.execute(f"DELETE FROM {table} WHERE laporan_id = ?", (rid,))
                cur.execute("DELETE FROM reports WHERE id = ?", (rid,))
        if ids:
            logger.info("retention: %d closed report(s) older than %.0f days removed", len(ids),
                        older_than_days)
        return ids

    def history(self, laporan_id: str) -> List[Dict[str, Any]]:
        return self._query(
            "SELECT status, oleh, alasan, waktu FROM report_history WHERE laporan_id = ? "
            "ORDER BY urutan", ((laporan_id or "").strip().upper(),))

    def update_status(self, laporan_id: str, status: str, oleh: str,
                      alasan: Optional[str] = None) -> Dict[str, Any]:
        """Move a report to `status`. Enforces TRANSITIONS; `ditolak` needs `alasan`.

        Setting the current status again is a no-op. Raises ReportNotFound, TransitionInvalid.
        """
        rid = (laporan_id or "").strip().upper()
        status = (status or "").strip().lower()
        oleh = (oleh or "").strip()
        alasan = (alasan or "").strip() or None
        if not oleh:
            raise TransitionInvalid("Nama atau identitas petugas wajib diisi.", field="oleh")
        now = _now_iso()
        with self._tx() as cur:
            report = self._get_in(cur, rid)
            if report is None:
                raise ReportNotFound(rid)
            if report["status"] == status:
                return report
            err = schema.transition_error(report["status"], status, alasan)
            if err:
                raise TransitionInvalid(err, field="alasan" if "alasan" in err else "status")
            cur.execute("SELECT COALESCE(MAX(urutan), 0) FROM report_history WHERE laporan_id = ?", (rid,))
            urutan = cur.fetchone()[0] + 1
            cur.execute(
                "INSERT INTO report_history (laporan_id, urutan, status, oleh, alasan, waktu) "
                "VALUES (?, ?, ?, ?, ?, ?)", (rid, urutan, status, oleh, alasan, now))
            sets = ["status = ?", "diperbarui = ?"]
            params: List[Any] = [status, now]
            if status == "ditolak":
                sets.append("alasan = ?")
                params.append(alasan)
            if status == "ditangani":
                sets.append("ditangani_oleh = ?")
                params.append(oleh)
            cur.execute(f"UPDATE reports SET {', '.join(sets)} WHERE id = ?", (*params, rid))
            report = self._get_in(cur, rid)
            self._enqueue(cur, report, "pelapor", texts.format_status_message(report), now)
        return report

    def set_operator_event(self, laporan_id: str, event_id: str) -> None:
        """Remember the Matrix event id of the operator card (for replies/reactions)."""
        with self._tx() as cur:
            cur.execute("UPDATE reports SET operator_event_id = ? WHERE id = ?",
                        (event_id, (laporan_id or "").strip().upper()))
            if cur.rowcount == 0:
                raise ReportNotFound(laporan_id)

    def find_by_operator_event(self, event_id: str) -> Optional[Dict[str, Any]]:
        rows = self._query("SELECT * FROM reports WHERE operator_event_id = ?", (event_id,))
        return row_to_report(rows[0]) if rows else None

    # ---------------------------------------------------------------- notifications
    def _enqueue(self, cur: Cursor, report: Dict[str, Any], target: str, pesan: str, now: str) -> str:
        cur.execute("SELECT COUNT(*) FROM notifications WHERE laporan_id = ?", (report["id"],))
        n = cur.fetchone()[0] + 1
        notif_id = f"{report['id']}#{n}"
        cur.execute(
            "INSERT INTO notifications (notif_id, laporan_id, target, kanal, pelapor, ruang, status, "
            "pesan, dibuat, terkirim, attempts, last_error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL)",
            (notif_id, report["id"], target, report["kanal"], report["pelapor"], report.get("ruang"),
             report["status"], pesan, now))
        return notif_id

    def pending_notifications(self, target: Optional[str] = "pelapor", kanal: Optional[str] = None,
                              limit: int = 100) -> List[Dict[str, Any]]:
        """Undelivered notifications, oldest first. target: 'pelapor', 'operator' or None (all)."""
        where, params = ["terkirim IS NULL"], []
        if target:
            where.append("target = ?")
            params.append(target)
        if kanal:
            where.append("kanal = ?")
            params.append(kanal)
        params.append(max(1, min(int(limit), 1000)))
        return self._query(
            "SELECT notif_id, laporan_id, target, kanal, pelapor, ruang, status, pesan, dibuat, "
            f"attempts, last_error FROM notifications WHERE {' AND '.join(where)} "
            "ORDER BY dibuat, notif_id LIMIT ?", tuple(params))

    def mark_notified(self, notif_id: str) -> bool:
        with self._tx() as cur:
            cur.execute("UPDATE notifications SET terkirim = ? WHERE notif_id = ? AND terkirim IS NULL",
                        (_now_iso(), notif_id))
            return cur.rowcount > 0

    def mark_failed(self, notif_id: str, error: str) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE notifications SET attempts = attempts + 1, last_error = ? "
                        "WHERE notif_id = ?", (str(error)[:500], notif_id))


def open_store(url: Optional[str] = None) -> ReportStore:
    """Open the store named by `url` or REPORTS_DB_URL: `sqlite:///abs/path.db`, a plain file
    path, or `postgresql://...` (needs psycopg2). Default: var/reports.db."""
    url = url or os.environ.get("REPORTS_DB_URL") or ""
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg2  # type: ignore  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("REPORTS_DB_URL is PostgreSQL but psycopg2 is not installed") from exc
        return ReportStore(_pg_dsn=url)
    if url.startswith("sqlite:///"):
        return ReportStore(url[len("sqlite:///"):] if url.startswith("sqlite:////") else
                           var_layout.ROOT / url[len("sqlite:///"):])
    if url.startswith("sqlite://"):
        raise ValueError("use sqlite:///relative.db or sqlite:////absolute.db")
    return ReportStore(url or None)
