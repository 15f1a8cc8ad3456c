"""Reports API of the dashboard: the filtered list, one report with its timeline, status changes,
statistics and the change marker the page polls.

Status changes go through `ReportStore.update_status`, exactly like the Matrix commands
(matrix_bridge/handlers/operator.py): the history row, the report and the reporter notification
are written in one transaction; the bridge (Matrix reporters) and the report service (web
reporters, via Rasa) deliver the notification from the store's outbox. `oleh` is the logged-in
operator's Matrix id.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Dict, Optional

from aiohttp import web

from privacy.masking import mask_report
from reports import query, schema
from reports.store import ReportNotFound, TransitionInvalid

from .config import PREFIX
from .keys import SESSION, SETTINGS, STORE

log = logging.getLogger("dashboard.reports")
DEFAULT_LIMIT = 5000
MAX_ALASAN = 1000


def present(row: Dict[str, Any], sla_jam: float, now: Optional[datetime] = None) -> Dict[str, Any]:
    """A report as the dashboard shows and exports it: personal data masked, SLA flag."""
    out = mask_report(row)
    out["lewat_sla"] = query.is_overdue(row, sla_jam, now)
    if isinstance(out.get("riwayat"), list):
        out["riwayat"] = [mask_report(h) for h in out["riwayat"]]
    return out


def filter_of(request: web.Request) -> query.Filter:
    """The filter of a request's query string; raises a 400 JSON answer when it is invalid."""
    params = {k: request.query.getall(k) for k in request.query}
    try:
        return query.parse_filter(params)
    except query.FilterInvalid as exc:
        raise web.HTTPBadRequest(text=web.json_response(exc.to_dict()).text,
                                 content_type="application/json") from exc


def _int(request: web.Request, key: str, default: int, lo: int, hi: int) -> int:
    try:
        return max(lo, min(hi, int(request.query.get(key, default))))
    except ValueError as exc:
        raise web.HTTPBadRequest(text=web.json_response({"error": "invalid", "field": key,
                                                         "pesan": "Angka tidak valid."}).text,
                                 content_type="application/json") from exc


def _invalid(field: str, pesan: str) -> web.Response:
    return web.json_response({"error": "invalid", "field": field, "pesan": pesan}, status=400)


async def _in_thread(fn, *args, **kw):
    return await asyncio.to_thread(fn, *args, **kw)


async def list_reports(request: web.Request) -> web.Response:
    f = filter_of(request)
    limit = _int(request, "limit", DEFAULT_LIMIT, 1, query.MAX_LIMIT)
    offset = _int(request, "offset", 0, 0, 10**9)
    store, sla = request.app[STORE], request.app[SETTINGS].sla_hours
    total, rows = await _in_thread(query.search, store, f, limit, offset)
    now = datetime.now(query.WIB)
    resp = web.json_response({"reports": [present(r, sla, now) for r in rows], "total": total,
                              "limit": limit, "offset": offset, "terpotong": offset + len(rows) < total})
    resp.enable_compression()
    return resp


async def get_report(request: web.Request) -> web.Response:
    row = await _in_thread(query.detail, request.app[STORE], request.match_info["id"])
    if row is None:
        return web.json_response({"error": "not_found", "pesan": "Laporan tidak ditemukan."}, status=404)
    return web.json_response(present(row, request.app[SETTINGS].sla_hours))


async def set_status(request: web.Request) -> web.Response:
    session = request[SESSION]
    rid = request.match_info["id"].strip().upper()
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return web.json_response({"error": "invalid", "pesan": "Data harus berupa objek JSON."}, status=400)
    status = str(body.get("status") or "").strip().lower()
    alasan = body.get("alasan")
    if status not in schema.STATUS:
        return _invalid("status", "Status tidak dikenal. Pilihan: " + ", ".join(schema.STATUS) + ".")
    if alasan is not None and not isinstance(alasan, str):
        return _invalid("alasan", "Alasan harus berupa teks.")
    alasan = (alasan or "").strip() or None
    if alasan and len(alasan) > MAX_ALASAN:
        return _invalid("alasan", f"Alasan terlalu panjang (maksimal {MAX_ALASAN} karakter).")
    store = request.app[STORE]
    try:
        before = await _in_thread(store.get, rid)
        report = await _in_thread(store.update_status, rid, status, session.user_id, alasan=alasan)
    except ReportNotFound:
        return web.json_response({"error": "not_found", "pesan": f"Laporan {rid} tidak ditemukan."},
                                 status=404)
    except TransitionInvalid as exc:
        return web.json_response({"error": "transition", "field": exc.field, "pesan": exc.pesan}, status=409)
    changed = not (before and before.get("status") == report["status"])
    if changed:
        log.info("%s: %s -> %s by %s (dashboard)", rid, before and before.get("status"), status,
                 session.user_id)
    row = await _in_thread(query.detail, store, rid)
    out = present(row, request.app[SETTINGS].sla_hours)
    out["berubah"] = changed
    out["pesan"] = (f"{rid}: status sekarang {schema.STATUS[report['status']]}. Pelapor akan diberi kabar."
                    if changed else f"{rid} sudah berstatus {schema.STATUS[report['status']]}.")
    return web.json_response(out)


async def statistik(request: web.Request) -> web.Response:
    f = filter_of(request)
    sla = request.app[SETTINGS].sla_hours
    resp = web.json_response(await _in_thread(query.stats, request.app[STORE], f, sla))
    resp.enable_compression()
    return resp


async def versi(request: web.Request) -> web.Response:
    return web.json_response({"versi": await _in_thread(query.version, request.app[STORE])})


def add_routes(r: web.UrlDispatcher) -> None:
    r.add_get(f"{PREFIX}/api/reports", list_reports)
    r.add_get(f"{PREFIX}/api/reports/{{id}}", get_report)
    r.add_post(f"{PREFIX}/api/reports/{{id}}/status", set_status)
    r.add_get(f"{PREFIX}/api/statistik", statistik)
    r.add_get(f"{PREFIX}/api/versi", versi)
