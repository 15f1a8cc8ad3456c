"""Login, logout and the current session (see matrix_auth and sessions)."""
from __future__ import annotations

import logging

from aiohttp import web

from .config import PREFIX
from .keys import AUTH, SESSION, SESSIONS, SETTINGS
from .matrix_auth import LoginRefused
from .sessions import COOKIE, clear_cookie, set_cookie

log = logging.getLogger("dashboard.auth")


async def login(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return web.json_response({"error": "invalid", "pesan": "Kirim data masuk sebagai JSON."}, status=415)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("user"), str) \
            or not isinstance(body.get("password"), str):
        return web.json_response({"error": "invalid", "pesan": "Isi nama pengguna dan kata sandi."},
                                 status=400)
    try:
        mx = await request.app[AUTH].login(body["user"], body["password"])
    except LoginRefused as exc:
        log.info("login refused for %r: %s", body["user"][:80], exc.kode)
        return web.json_response({"error": exc.kode, "pesan": exc.pesan}, status=exc.status)
    sessions = request.app[SESSIONS]
    old = request.cookies.get(COOKIE)
    if old:
        await sessions.end(old)  # a new login never reuses an old session id (fixation)
    s = sessions.create(mx)
    log.info("operator %s logged in (power level %s)", s.user_id, s.power_level)
    resp = web.json_response(s.public())
    set_cookie(resp, request, request.app[SETTINGS], s.sid)
    return resp


async def logout(request: web.Request) -> web.Response:
    s = request[SESSION]
    await request.app[SESSIONS].end(s.sid)
    log.info("operator %s logged out", s.user_id)
    resp = web.json_response({"status": "keluar"})
    clear_cookie(resp)
    return resp


async def sesi(request: web.Request) -> web.Response:
    return web.json_response(request[SESSION].public())


def add_routes(r: web.UrlDispatcher) -> None:
    r.add_post(f"{PREFIX}/api/login", login)
    r.add_post(f"{PREFIX}/api/logout", logout)
    r.add_get(f"{PREFIX}/api/sesi", sesi)
