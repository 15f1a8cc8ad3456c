"""Exports of exactly the filtered view (same query parameters as GET /operator/api/reports):
CSV for spreadsheets (UTF-8 with BOM, so Excel reads Indonesian text right; cells that a
spreadsheet would run as a formula are prefixed with an apostrophe) and a GeoJSON
FeatureCollection (RFC 7946: [lon, lat]; reports without coordinates have geometry null).
Personal data is masked as on the page."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from aiohttp import web

from reports import query

from .api_reports import _in_thread, filter_of, present
from .config import PREFIX
from .keys import SETTINGS, STORE

COLUMNS = ("id", "dibuat", "jenis", "jenis_label", "status", "status_label", "kanal", "lokasi", "lat", "lon",
           "waktu", "deskripsi", "pelapor", "pelapor_nama", "alasan", "ditangani_oleh", "tanggapan_pertama",
           "lewat_sla", "lampiran_jumlah")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    text = str(value)
    if text.startswith(_FORMULA) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _flat(r: dict) -> dict:
    lok = r.get("lokasi") or {}
    return {**r, "lokasi": lok.get("teks"), "lat": lok.get("lat"), "lon": lok.get("lon")}


async def _rows(request: web.Request):
    f = filter_of(request)
    total, rows = await _in_thread(query.search, request.app[STORE], f, query.MAX_LIMIT, 0)
    now = datetime.now(query.WIB)
    sla = request.app[SETTINGS].sla_hours
    return total, [present(r, sla, now) for r in rows]


def _filename(ext: str) -> str:
    return f"laporan-{datetime.now(query.WIB).strftime('%Y%m%d-%H%M')}.{ext}"


async def csv_export(request: web.Request) -> web.Response:
    total, rows = await _rows(request)
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows:
        flat = _flat(r)
        w.writerow([_cell(flat.get(c)) for c in COLUMNS])
    resp = web.Response(body=buf.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"',
                                 "X-Total-Count": str(total)})
    resp.enable_compression()
    return resp


def feature(r: dict) -> dict:
    lok = r.get("lokasi") or {}
    geom = None
    if lok.get("lat") is not None and lok.get("lon") is not None:
        geom = {"type": "Point", "coordinates": [lok["lon"], lok["lat"]]}
    props = {k: v for k, v in r.items() if k != "lokasi"}
    props["lokasi"] = lok.get("teks")
    return {"type": "Feature", "id": r["id"], "geometry": geom, "properties": props}


async def geojson_export(request: web.Request) -> web.Response:
    total, rows = await _rows(request)
    body = {"type": "FeatureCollection", "features": [feature(r) for r in rows]}
    resp = web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/geo+json",
                        headers={"Content-Disposition": f'attachment; filename="{_filename("geojson")}"',
                                 "X-Total-Count": str(total)})
    resp.enable_compression()
    return resp


def add_routes(r: web.UrlDispatcher) -> None:
    r.add_get(f"{PREFIX}/api/reports.csv", csv_export)
    r.add_get(f"{PREFIX}/api/reports.geojson", geojson_export)
