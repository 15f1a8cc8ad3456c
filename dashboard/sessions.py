"""Operator sessions, the session cookie, and the request guards of /operator/api/.

- Sessions live in this process's memory (a restart asks operators to log in again). Each has a
  random id (the cookie), a CSRF token, the operator's Matrix id and token (server-side only), an
  idle and an absolute expiry, and the time its power level was last checked.
- Cookie `op_sesi`: HttpOnly, SameSite=Strict, Path=/operator/, Secure outside dev (see
  config.cookie_secure; behind the proxy X-Forwarded-Proto: https decides).
- CSRF: every changing request (POST/PUT/PATCH/DELETE) must carry the session's token in the
  `X-CSRF-Token` header (the page gets it from GET /operator/api/sesi, never from a cookie), and
  its Origin (or, without Origin, Sec-Fetch-Site) must be this site. The login request has no
  session yet: it gets the origin check and must be JSON (a cross-site form cannot send that
  without a CORS preflight, which this service never grants).
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Dict, Optional
from urllib.parse import urlsplit

from aiohttp import web

from .config import PREFIX, Settings
from .keys import SESSION, SESSIONS
from .matrix_auth import LoginRefused, MatrixAuth, MatrixLogin

log = logging.getLogger("dashboard.sessions")

COOKIE = "op_sesi"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC_API = frozenset({f"{PREFIX}/api/login", f"{PREFIX}/api/health"})


@dataclass
class Session:
    sid: str
    user_id: str
    display_name: Optional[str]
    matrix_token: str = field(repr=False)
    csrf: str = field(repr=False)
    power_level: int
    created: float
    last_seen: float
    checked: float

    def public(self) -> dict:
        return {"user_id": self.user_id, "nama": self.display_name or self.user_id,
                "tingkat_daya": self.power_level, "csrf": self.csrf}


class SessionStore:
    def __init__(self, settings: Settings, auth: MatrixAuth, clock=time.monotonic):
        self.settings, self.auth, self.clock = settings, auth, clock
        self._sessions: Dict[str, Session] = {}

    def create(self, login: MatrixLogin) -> Session:
        now = self.clock()
        s = Session(secrets.token_urlsafe(32), login.user_id, login.display_name, login.access_token,
                    secrets.token_urlsafe(32), login.power_level, now, now, now)
        self._sessions[s.sid] = s
        return s

    def _expired(self, s: Session, now: float) -> bool:
        return (now - s.last_seen > self.settings.session_idle_s
                or now - s.created > self.settings.session_max_s)

    async def get(self, sid: Optional[str]) -> Optional[Session]:
        """The live session for a cookie value, or None (expired/unknown/demoted operator)."""
        s = self._sessions.get(sid or "")
        if s is None:
            return None
        now = self.clock()
        if self._expired(s, now):
            await self.end(s.sid)
            return None
        if now - s.checked > self.settings.recheck_s:
            try:
                level = await self.auth.power_level(s.user_id, s.matrix_token)
            except LoginRefused as exc:
                if exc.kode == "matrix_tidak_tersedia":
                    level = s.power_level  # homeserver blip: keep working, check again next time
                else:
                    level = -1
            s.checked = now
            s.power_level = level
            if level < self.settings.operator_level:
                log.info("session of %s ended: power level now %s", s.user_id, level)
                await self.end(s.sid)
                return None
        s.last_seen = now
        return s

    async def end(self, sid: str) -> None:
        s = self._sessions.pop(sid, None)
        if s is not None:
            await self.auth.logout(s.matrix_token)

    async def end_all(self) -> None:
        await asyncio.gather(*(self.end(sid) for sid in list(self._sessions)), return_exceptions=True)

    async def sweep(self) -> int:
        now = self.clock()
        dead = [sid for sid, s in self._sessions.items() if self._expired(s, now)]
        for sid in dead:
            await self.end(sid)
        return len(dead)

    def __len__(self) -> int:
        return len(self._sessions)


def is_https(request: web.Request) -> bool:
    """HTTPS directly, or as told by the public entrance (the only peer: we bind loopback)."""
    proto = (request.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
    return request.scheme == "https" or proto == "https"


def set_cookie(resp: web.StreamResponse, request: web.Request, settings: Settings, sid: str) -> None:
    mode = settings.cookie_secure
    secure = mode == "always" or (mode == "auto" and is_https(request))
    resp.set_cookie(COOKIE, sid, path=f"{PREFIX}/", httponly=True, samesite="Strict", secure=secure,
                    max_age=int(settings.session_max_s))


def clear_cookie(resp: web.StreamResponse) -> None:
    resp.del_cookie(COOKIE, path=f"{PREFIX}/")


def _public_host(request: web.Request) -> str:
    return (request.headers.get("X-Forwarded-Host") or request.host or "").split(",")[0].strip().lower()


def same_origin(request: web.Request) -> bool:
    """Origin (or Sec-Fetch-Site when a browser sends no Origin) names this site."""
    origin = request.headers.get("Origin")
    if origin:
        return origin != "null" and urlsplit(origin).netloc.lower() == _public_host(request)
    site = request.headers.get("Sec-Fetch-Site")
    return site in (None, "same-origin", "none")


def _deny(status: int, kode: str, pesan: str) -> web.Response:
    return web.json_response({"error": kode, "pesan": pesan}, status=status)




@web.middleware
async def guard(request: web.Request, handler):
    """401 for /operator/api/* without a live session; CSRF + origin checks on changes."""
    path = request.path
    if not path.startswith(f"{PREFIX}/api/"):
        return await handler(request)
    if request.method in UNSAFE and not same_origin(request):
        return _deny(403, "csrf", "Permintaan ditolak: asal halaman tidak dikenal.")
    if path in PUBLIC_API:
        return await handler(request)
    store: SessionStore = request.app[SESSIONS]
    session = await store.get(request.cookies.get(COOKIE))
    if session is None:
        resp = _deny(401, "belum_masuk", "Sesi tidak ada atau sudah berakhir. Silakan masuk lagi.")
        if request.cookies.get(COOKIE):
            clear_cookie(resp)
        return resp
    if request.method in UNSAFE:
        token = request.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(token.encode(), session.csrf.encode()):
            return _deny(403, "csrf", "Permintaan ditolak: token keamanan tidak cocok. Muat ulang halaman.")
    request[SESSION] = session
    return await handler(request)
