"""SQL side of the report store: tables, a portable cursor and row conversion (standard library;
psycopg2 when REPORTS_DB_URL names PostgreSQL)."""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Dict, List, Optional, Tuple

from .vocabulary import jenis_label, status_label

SCHEMA_SQL = [
    """CREATE TABLE IF NOT EXISTS report_seq (
        tahun INTEGER PRIMARY KEY,
        terakhir INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS reports (
        id TEXT PRIMARY KEY,
        tahun INTEGER NOT NULL,
        nomor INTEGER NOT NULL,
        jenis TEXT NOT NULL,
        lokasi_teks TEXT NOT NULL,
        lat DOUBLE PRECISION,
        lon DOUBLE PRECISION,
        waktu TEXT NOT NULL,
        waktu_iso TEXT,
        deskripsi TEXT NOT NULL,
        lampiran TEXT NOT NULL,
        kanal TEXT NOT NULL,
        pelapor TEXT NOT NULL,
        pelapor_nama TEXT,
        ruang TEXT,
        idempotency_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        alasan TEXT,
        ditangani_oleh TEXT,
        operator_event_id TEXT,
        dibuat TEXT NOT NULL,
        diperbarui TEXT NOT NULL,
        kode_hash TEXT,
        kontak TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS reports_pelapor ON reports (pelapor)",
    "CREATE INDEX IF NOT EXISTS reports_status ON reports (status)",
    "CREATE INDEX IF NOT EXISTS reports_opevent ON reports (operator_event_id)",
    """CREATE TABLE IF NOT EXISTS report_history (
        laporan_id TEXT NOT NULL REFERENCES reports(id),
        urutan INTEGER NOT NULL,
        status TEXT NOT NULL,
        oleh TEXT,
        alasan TEXT,
        waktu TEXT NOT NULL,
        PRIMARY KEY (laporan_id, urutan)
    )""",
    """CREATE TABLE IF NOT EXISTS notifications (
        notif_id TEXT PRIMARY KEY,
        laporan_id TEXT NOT NULL REFERENCES reports(id),
        target TEXT NOT NULL,
        kanal TEXT NOT NULL,
        pelapor TEXT NOT NULL,
        ruang TEXT,
        status TEXT NOT NULL,
        pesan TEXT NOT NULL,
        dibuat TEXT NOT NULL,
        terkirim TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS notifications_pending ON notifications (terkirim, target, kanal)",
]


# Columns added after the first release: (table, column, type). ReportStore adds the missing ones
# to an existing database when it opens it (ALTER TABLE ... ADD COLUMN; existing rows get NULL).
MIGRATIONS = [
    ("reports", "kode_hash", "TEXT"),  # salted hash of the reporter's status code (access.py)
    ("reports", "kontak", "TEXT"),     # contact the reporter chose to give (schema.py)
]

# Closed reports whose last change is older than the cut-off (privacy.retention).
CLOSED = ("selesai", "ditolak")
SQL_OLD_CLOSED = ("SELECT id FROM reports WHERE status IN ('selesai', 'ditolak') AND diperbarui < ? "
                  "ORDER BY id")


def add_column_if_missing(cur: "Cursor", pg: bool, table: str, column: str, sql_type: str) -> bool:
    """ALTER TABLE ... ADD COLUMN when the column is missing (inside the caller's write
    transaction, so concurrent openers do not race). Returns True when it was added."""
    if pg:
        cur.execute("SELECT 1 FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                    (table, column))
        exists = cur.fetchone() is not None
    else:
        cur.execute(f"PRAGMA table_info({table})")
        exists = any(row[1] == column for row in cur.fetchall())
    if not exists:
        cur.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
    return not exists


def portable(sql: str, pg: bool) -> str:
    """`?` placeholders (SQLite) become `%s` for psycopg2."""
    return sql.replace("?", "%s") if pg else sql


class Cursor:
    """Cursor wrapper: portable placeholders and dict rows."""

    def __init__(self, cur, pg: bool):
        self._cur = cur
        self._pg = pg

    def execute(self, sql: str, params: Tuple = ()) -> None:
        self._cur.execute(portable(sql, self._pg), params)

    def fetchone(self):
        return self._cur.fetchone()

    def fetchall(self):
        return self._cur.fetchall()

    def fetchone_dict(self) -> Optional[Dict[str, Any]]:
        row = self._cur.fetchone()
        if row is None:
            return None
        cols = [d[0] for d in self._cur.description]
        return dict(zip(cols, row, strict=True))

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount


def integrity_errors() -> tuple:
    errs: List[type] = [sqlite3.IntegrityError]
    try:
        import psycopg2  # type: ignore

        errs.append(psycopg2.IntegrityError)
    except ImportError:
        pass
    return tuple(errs)


def row_to_report(row: Dict[str, Any]) -> Dict[str, Any]:
    lokasi: Dict[str, Any] = {"teks": row["lokasi_teks"]}
    if row.get("lat") is not None and row.get("lon") is not None:
        lokasi["lat"] = float(row["lat"])
        lokasi["lon"] = float(row["lon"])
    try:
        lampiran = json.loads(row.get("lampiran") or "[]")
    except ValueError:
        lampiran = []
    return {
        "id": row["id"],
        "jenis": row["jenis"],
        "jenis_label": jenis_label(row["jenis"]),
        "lokasi": lokasi,
        "waktu": row["waktu"],
        "waktu_iso": row.get("waktu_iso"),
        "deskripsi": row["deskripsi"],
        "lampiran": lampiran,
        "kanal": row["kanal"],
        "pelapor": row["pelapor"],
        "pelapor_nama": row.get("pelapor_nama"),
        "kontak": row.get("kontak"),
        "ruang": row.get("ruang"),
        "idempotency_key": row["idempotency_key"],
        "status": row["status"],
        "status_label": status_label(row["status"]),
        "alasan": row.get("alasan"),
        "ditangani_oleh": row.get("ditangani_oleh"),
        "operator_event_id": row.get("operator_event_id"),
        "dibuat": row["dibuat"],
        "diperbarui": row["diperbarui"],
    }
