"""The operator dashboard's aiohttp application, mounted under /operator/.

    GET  /operator/                     the page (static; everything else comes from the API)
    GET  /operator/static/...           its scripts, styles and vendored libraries
    GET  /operator/api/health           {"status": "ok"} (no session needed)
    POST /operator/api/login            {"user", "password"} -> session cookie (Matrix login, PL >= 50)
    POST /operator/api/logout           ends the session (and the Matrix device)
    GET  /operator/api/sesi             {"user_id", "nama", "tingkat_daya", "csrf"}
    GET  /operator/api/konfigurasi      map tiles, centre, SLA, vocabularies
    GET  /operator/api/reports          {"reports": [...], "total", ...} filtered (see reports.query)
    GET  /operator/api/reports/{id}     one report with its status timeline ("riwayat")
    POST /operator/api/reports/{id}/status  {"status", "alasan"} (CSRF header required)
    GET  /operator/api/statistik        per day/kind, first-response times, SLA
    GET  /operator/api/versi            changes when reports change (the page polls it)
    GET  /operator/api/reports.csv      the filtered view as CSV
    GET  /operator/api/reports.geojson  the filtered view as a GeoJSON FeatureCollection
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Optional

from aiohttp import web

from reports import schema

from . import api_auth, api_reports, export
from .config import PREFIX, Settings
from .keys import AUTH, SESSIONS, SETTINGS, STORE
from .matrix_auth import MatrixAuth
from .sessions import SessionStore, guard

log = logging.getLogger("dashboard")
STATIC = Path(__file__).resolve().parent / "static"


def content_security_policy(settings: Settings) -> str:
    img = "'self' data:" + (f" {settings.tile_origin}" if settings.tile_origin else "")
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src {img}; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _headers_middleware(csp: str):
    @web.middleware
    async def headers(request: web.Request, handler):
        try:
            resp = await handler(request)
        except web.HTTPException as exc:
            resp = exc
        h = resp.headers
        h.setdefault("Content-Security-Policy", csp)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.path.startswith(f"{PREFIX}/api/"):
            h.setdefault("Cache-Control", "no-store")
        elif request.path.startswith(f"{PREFIX}/static/vendor/"):
            h.setdefault("Cache-Control", "public, max-age=86400")
        else:
            h.setdefault("Cache-Control", "no-cache")
        if isinstance(resp, web.HTTPException):
            raise resp
        return resp
    return headers


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})


async def _redirect(request: web.Request):
    raise web.HTTPFound(f"{PREFIX}/")


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _konfigurasi(request: web.Request) -> web.Response:
    s: Settings = request.app[SETTINGS]
    return web.json_response({
        "peta": {"tile_url": s.tile_url or None, "atribusi": s.tile_attribution,
                 "pusat": list(s.map_center)},
        "sla_jam": s.sla_hours,
        "jenis": schema.JENIS, "status": schema.STATUS, "kanal": schema.KANAL,
        "transisi": {k: sorted(v) for k, v in schema.TRANSITIONS.items()},
    })


async def _sweeper(app: web.Application):
    async def loop():
        while True:
            await asyncio.sleep(60)
            try:
                await app[SESSIONS].sweep()
            except Exception:  # noqa: BLE001
                log.exception("session sweep failed")
    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await app[SESSIONS].end_all()


def make_app(store, settings: Settings, auth: Optional[MatrixAuth] = None) -> web.Application:
    """The dashboard app over an open ReportStore (reports.store.open_store())."""
    auth = auth or MatrixAuth(settings.homeserver, settings.operator_alias, settings.operator_level)
    app = web.Application(middlewares=[_headers_middleware(content_security_policy(settings)), guard],
                          client_max_size=64 * 1024)
    app[STORE] = store
    app[SETTINGS] = settings
    app[AUTH] = auth
    app[SESSIONS] = SessionStore(settings, auth)
    app.cleanup_ctx.append(_sweeper)
    r = app.router
    r.add_get(PREFIX, _redirect)
    r.add_get(f"{PREFIX}/", _index)
    r.add_static(f"{PREFIX}/static/", STATIC, follow_symlinks=False, append_version=False)
    r.add_get(f"{PREFIX}/api/health", _health)
    r.add_get(f"{PREFIX}/api/konfigurasi", _konfigurasi)
    api_auth.add_routes(r)
    api_reports.add_routes(r)
    export.add_routes(r)
    return app
