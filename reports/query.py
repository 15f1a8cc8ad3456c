"""Filtered views and aggregates of the report store (operator dashboard, exports, statistics).

Read-only. Runs through the store's own connection and lock (`ReportStore._query`, a sibling in
this package), so SQLite and PostgreSQL both work and nothing here writes. Status changes stay in
`ReportStore.update_status` (history + reporter notification in one transaction).

    f = parse_filter({"status": "baru,diterima", "jenis": "bencana_alam", "kanal": "web",
                      "dari": "2026-11-01", "sampai": "2026-11-30", "q": "banjir"})
    total, rows = search(store, f, limit=500)
    stats(store, f, sla_jam=24)

Times: `dibuat` is stored as ISO 8601 in WIB (+07:00), so the day of a report is its first ten
characters and ranges compare as strings. `dari`/`sampai` are calendar days (inclusive) in WIB
or full ISO 8601 times.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import schema

OPEN_STATUSES = ("baru", "diterima", "ditangani")
WIB = timezone(timedelta(hours=7), "WIB")  # the store writes times in WIB (UTC+7, no DST)
MAX_LIMIT = 10000
MAX_QUERY = 200

# The first history entry after "baru" is the police's first response (one grouped pass over the
# history joined once, not a subquery per report: 5,000 reports in a fraction of the time).
_FIRST_RESPONSE_JOIN = (" LEFT JOIN (SELECT laporan_id, MIN(waktu) AS tanggapan_pertama FROM report_history "
                        "WHERE urutan > 1 GROUP BY laporan_id) fr ON fr.laporan_id = reports.id")
_COLUMNS = ("id, jenis, lokasi_teks, lat, lon, reports.waktu AS waktu, waktu_iso, deskripsi, lampiran, "
            "kanal, pelapor, pelapor_nama, reports.status AS status, reports.alasan AS alasan, "
            "ditangani_oleh, dibuat, diperbarui, fr.tanggapan_pertama AS tanggapan_pertama")


class FilterInvalid(schema.ReportInvalid):
    """A filter parameter is wrong (same shape as an invalid report field: `field`, and `pesan`,
    an Indonesian sentence for the operator)."""


@dataclass(frozen=True)
class Filter:
    status: Tuple[str, ...] = ()
    jenis: Tuple[str, ...] = ()
    kanal: Tuple[str, ...] = ()
    dari: Optional[str] = None      # ISO lower bound (inclusive) on dibuat
    sampai: Optional[str] = None    # ISO upper bound (exclusive) on dibuat
    q: Optional[str] = None
    koordinat: Optional[bool] = None
    extra: Dict[str, str] = field(default_factory=dict, compare=False)


def _multi(params: Mapping[str, Any], key: str, allowed: Mapping[str, str], label: str) -> Tuple[str, ...]:
    raw = params.get(key)
    if raw is None:
        return ()
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    out: List[str] = []
    for v in values:
        for part in str(v).split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part not in allowed:
                raise FilterInvalid(key, f"{label} '{part}' tidak dikenal. Pilihan: {', '.join(allowed)}.")
            if part not in out:
                out.append(part)
    return tuple(out)


def _bound(value: Optional[str], key: str, end: bool) -> Optional[str]:
    """A day (YYYY-MM-DD, WIB) or an ISO time → ISO string in WIB. `end` makes a day exclusive
    at the next midnight."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=WIB)
            return _iso(day + timedelta(days=1) if end else day)
        dt = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise FilterInvalid(key, "Tanggal tidak valid. Gunakan format TTTT-BB-HH, "
                                 "misalnya 2026-11-30.") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=WIB)
    return _iso(dt)


def _one(params: Mapping[str, Any], key: str) -> Optional[str]:
    """A single-valued parameter (the last one when repeated, as lists come from getall())."""
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return None if value is None else str(value)


def parse_filter(params: Mapping[str, Any]) -> Filter:
    """Build a Filter from query parameters: status, jenis, kanal (comma-separated or repeated),
    dari, sampai (days or ISO times), q (text), koordinat (ya/tidak). Raises FilterInvalid."""
    q = (_one(params, "q") or "").strip() or None
    if q and len(q) > MAX_QUERY:
        raise FilterInvalid("q", f"Kata pencarian terlalu panjang (maksimal {MAX_QUERY} karakter).")
    koor = (_one(params, "koordinat") or "").strip().lower()
    if koor and koor not in ("ya", "tidak", "1", "0", "true", "false"):
        raise FilterInvalid("koordinat", "Nilai koordinat harus 'ya' atau 'tidak'.")
    f = Filter(
        status=_multi(params, "status", schema.STATUS, "Status"),
        jenis=_multi(params, "jenis", schema.JENIS, "Jenis kejadian"),
        kanal=_multi(params, "kanal", schema.KANAL, "Kanal"),
        dari=_bound(_one(params, "dari"), "dari", end=False),
        sampai=_bound(_one(params, "sampai"), "sampai", end=True),
        q=q,
        koordinat=None if not koor else koor in ("ya", "1", "true"),
    )
    if f.dari and f.sampai and f.dari >= f.sampai:
        raise FilterInvalid("sampai", "Tanggal akhir harus sama dengan atau sesudah tanggal awal.")
    return f


def _iso(dt: datetime) -> str:
    return dt.astimezone(WIB).isoformat(timespec="seconds")


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where_clause(f: Filter) -> Tuple[str, List[Any]]:
    """(' WHERE ...' or '', params) for a filter; `?` placeholders (the store makes them portable)."""
    where: List[str] = []
    params: List[Any] = []
    for col, values in (("status", f.status), ("jenis", f.jenis), ("kanal", f.kanal)):
        if values:
            where.append(f"{col} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if f.dari:
        where.append("dibuat >= ?")
        params.append(f.dari)
    if f.sampai:
        where.append("dibuat < ?")
        params.append(f.sampai)
    if f.koordinat is True:
        where.append("lat IS NOT NULL AND lon IS NOT NULL")
    elif f.koordinat is False:
        where.append("(lat IS NULL OR lon IS NULL)")
    if f.q:
        pattern = _like(f.q)
        cols = ("id", "deskripsi", "lokasi_teks", "pelapor_nama", "pelapor", "waktu")
        where.append("(" + " OR ".join(f"LOWER({c}) LIKE ? ESCAPE '\\'" for c in cols) + ")")
        params.extend([pattern] * len(cols))
    return (" WHERE " + " AND ".join(where)) if where else "", params


def _row(row: Dict[str, Any]) -> Dict[str, Any]:
    lokasi: Dict[str, Any] = {"teks": row["lokasi_teks"]}
    if row.get("lat") is not None and row.get("lon") is not None:
        lokasi["lat"], lokasi["lon"] = float(row["lat"]), float(row["lon"])
    try:
        lampiran = json.loads(row.get("lampiran") or "[]")
    except ValueError:
        lampiran = []
    return {
        "id": row["id"], "jenis": row["jenis"], "jenis_label": schema.JENIS.get(row["jenis"], row["jenis"]),
        "status": row["status"], "status_label": schema.STATUS.get(row["status"], row["status"]),
        "kanal": row["kanal"], "lokasi": lokasi, "waktu": row["waktu"], "waktu_iso": row.get("waktu_iso"),
        "deskripsi": row["deskripsi"], "lampiran_jumlah": len(lampiran) if isinstance(lampiran, list) else 0,
        "pelapor": row["pelapor"], "pelapor_nama": row.get("pelapor_nama"), "alasan": row.get("alasan"),
        "ditangani_oleh": row.get("ditangani_oleh"), "dibuat": row["dibuat"],
        "diperbarui": row["diperbarui"], "tanggapan_pertama": row.get("tanggapan_pertama"),
    }


def search(store, f: Filter, limit: int = 500, offset: int = 0) -> Tuple[int, List[Dict[str, Any]]]:
    """(total matching, rows newest first) for a filter. Rows are dashboard rows (see `_row`):
    no idempotency key, room or event id; `tanggapan_pertama` = time of the first status change."""
    sql_where, params = where_clause(f)
    total = store._query(f"SELECT COUNT(*) AS n FROM reports{sql_where}", tuple(params))[0]["n"]
    limit = max(1, min(int(limit), MAX_LIMIT))
    rows = store._query(
        f"SELECT {_COLUMNS} FROM reports{_FIRST_RESPONSE_JOIN}{sql_where} "
        "ORDER BY dibuat DESC, tahun DESC, nomor DESC "
        "LIMIT ? OFFSET ?", tuple(params) + (limit, max(0, int(offset))))
    return int(total), [_row(r) for r in rows]


def detail(store, laporan_id: str) -> Optional[Dict[str, Any]]:
    """One dashboard row plus `riwayat` (status timeline, oldest first), or None."""
    rid = (laporan_id or "").strip().upper()
    rows = store._query(f"SELECT {_COLUMNS} FROM reports{_FIRST_RESPONSE_JOIN} WHERE id = ?", (rid,))
    if not rows:
        return None
    out = _row(rows[0])
    out["riwayat"] = store.history(rid)
    return out


def version(store) -> str:
    """Changes whenever a report is created or changes status (cheap; for polling clients)."""
    row = store._query("SELECT COUNT(*) AS n, MAX(diperbarui) AS t FROM reports")[0]
    hist = store._query("SELECT COUNT(*) AS n FROM report_history")[0]
    return f"{row['n']}:{hist['n']}:{row['t'] or '-'}"


def _seconds(a: str, b: str) -> Optional[float]:
    try:
        return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
    except (TypeError, ValueError):
        return None


def stats(store, f: Filter, sla_jam: float = 24.0, now: Optional[datetime] = None) -> Dict[str, Any]:
    """Aggregates over the filtered view:
    - per_hari: [{"hari": "YYYY-MM-DD", "<jenis>": n, ..., "total": n}] for every day in the range
    - per_jenis / per_status / per_kanal: {value: n}
    - tanggapan: first-response times (median/mean/p90 seconds over answered reports, counts)
    - sla: open reports (baru/diterima/ditangani) created more than `sla_jam` hours ago"""
    sql_where, params = where_clause(f)
    p = tuple(params)
    per_day_rows = store._query(
        f"SELECT SUBSTR(dibuat, 1, 10) AS hari, jenis, COUNT(*) AS n FROM reports{sql_where} "
        "GROUP BY SUBSTR(dibuat, 1, 10), jenis ORDER BY hari", p)
    days: Dict[str, Dict[str, Any]] = {}
    for r in per_day_rows:
        d = days.setdefault(r["hari"], {"hari": r["hari"], **{k: 0 for k in schema.JENIS}, "total": 0})
        d[r["jenis"]] = d.get(r["jenis"], 0) + int(r["n"])
        d["total"] += int(r["n"])
    per_hari = _fill_days(days)

    def grouped(col: str, keys) -> Dict[str, int]:
        out = {k: 0 for k in keys}
        for r in store._query(f"SELECT {col} AS k, COUNT(*) AS n FROM reports{sql_where} GROUP BY {col}", p):
            out[r["k"]] = int(r["n"])
        return out

    response_rows = store._query(
        f"SELECT dibuat, fr.tanggapan_pertama AS t FROM reports{_FIRST_RESPONSE_JOIN}{sql_where}", p)
    secs = sorted(s for s in (_seconds(r["dibuat"], r["t"]) for r in response_rows if r["t"])
                  if s is not None)
    tanggapan = {
        "dijawab": len(secs),
        "belum_dijawab": len(response_rows) - len(secs),
        "median_detik": statistics.median(secs) if secs else None,
        "rata_rata_detik": statistics.fmean(secs) if secs else None,
        "p90_detik": secs[min(len(secs) - 1, int(0.9 * len(secs)))] if secs else None,
    }
    now = now or datetime.now(WIB)
    batas = _iso(now - timedelta(hours=float(sla_jam)))
    open_where = sql_where + (" AND " if sql_where else " WHERE ") + \
        f"status IN ({', '.join('?' for _ in OPEN_STATUSES)}) AND dibuat < ?"
    overdue = store._query(
        f"SELECT id, jenis, status, dibuat FROM reports{open_where} ORDER BY dibuat LIMIT 200",
        p + OPEN_STATUSES + (batas,))
    overdue_n = store._query(f"SELECT COUNT(*) AS n FROM reports{open_where}",
                             p + OPEN_STATUSES + (batas,))[0]["n"]
    return {
        "total": sum(d["total"] for d in days.values()),
        "per_hari": per_hari,
        "per_jenis": grouped("jenis", schema.JENIS),
        "per_status": grouped("status", schema.STATUS),
        "per_kanal": grouped("kanal", schema.KANAL),
        "tanggapan": tanggapan,
        "sla": {"jam": float(sla_jam), "batas": batas, "jumlah": int(overdue_n), "laporan": overdue},
    }


def _fill_days(days: Dict[str, Dict[str, Any]], max_days: int = 400) -> List[Dict[str, Any]]:
    """Days without reports appear with zeros (a chart's x axis is continuous)."""
    if not days:
        return []
    keys = sorted(days)
    start = datetime.strptime(keys[0], "%Y-%m-%d")
    end = datetime.strptime(keys[-1], "%Y-%m-%d")
    if (end - start).days > max_days:
        return [days[k] for k in keys]
    out = []
    d = start
    while d <= end:
        k = d.strftime("%Y-%m-%d")
        out.append(days.get(k) or {"hari": k, **{j: 0 for j in schema.JENIS}, "total": 0})
        d += timedelta(days=1)
    return out


def is_overdue(row: Dict[str, Any], sla_jam: float, now: Optional[datetime] = None) -> bool:
    """An open report created more than `sla_jam` hours ago."""
    if row.get("status") not in OPEN_STATUSES:
        return False
    now = now or datetime.now(WIB)
    try:
        return datetime.fromisoformat(row["dibuat"]) < now - timedelta(hours=float(sla_jam))
    except (KeyError, TypeError, ValueError):
        return False
