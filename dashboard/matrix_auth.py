"""Operator login against Synapse: the operator's own Matrix account, no second password store.

1. `POST /_matrix/client/v3/login` (m.login.password) with the given user and password.
2. With the access token just obtained, resolve the operator room alias and read the room's
   `m.room.power_levels` state; admitted when the user's level is >= the operator level (50).
3. The token is kept server-side in the session (never sent to the browser) to re-check the power
   level every few minutes and is logged out (device removed) at logout or expiry.

Why the operator's token and not the bot's: the dashboard then holds no standing Matrix
credential at all (a compromised dashboard process cannot act as the bot), a demoted or
deactivated operator loses access at the next re-check, and reading the power levels requires the
operator to be a member of the operator room, the same place where the Matrix commands work.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote

import aiohttp

log = logging.getLogger("dashboard.auth")


class LoginRefused(Exception):
    """`kode` is the API error code, `pesan` the Indonesian sentence shown to the operator."""

    def __init__(self, status: int, kode: str, pesan: str):
        super().__init__(pesan)
        self.status, self.kode, self.pesan = status, kode, pesan


BAD_CREDENTIALS = LoginRefused(401, "login_gagal", "Nama pengguna atau kata sandi salah.")
NOT_OPERATOR = LoginRefused(403, "bukan_operator",
                            "Akun ini bukan operator Polres (tingkat daya minimal 50 di ruang "
                            "#operator-polres). Hubungi admin Matrix bila seharusnya bisa masuk.")
UNAVAILABLE = LoginRefused(503, "matrix_tidak_tersedia",
                           "Server Matrix tidak bisa dihubungi. Coba lagi sebentar lagi.")
RATE_LIMITED = LoginRefused(429, "terlalu_sering",
                            "Terlalu banyak percobaan masuk. Tunggu sebentar lalu coba lagi.")
NO_ROOM = LoginRefused(503, "ruang_operator_tidak_ada",
                       "Ruang operator belum ada di server Matrix. Hubungi admin (provisioning).")


@dataclass
class MatrixLogin:
    user_id: str
    access_token: str
    device_id: Optional[str]
    power_level: int
    display_name: Optional[str] = None


class MatrixAuth:
    def __init__(self, homeserver: str, operator_alias: str, min_level: int = 50, timeout: float = 15.0):
        self.hs = homeserver.rstrip("/")
        self.alias = operator_alias
        self.min_level = min_level
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._room_id: Optional[str] = None

    async def _call(self, method: str, path: str, token: Optional[str] = None, json=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as s:
                async with s.request(method, self.hs + path, json=json, headers=headers) as r:
                    try:
                        body = await r.json(content_type=None)
                    except ValueError:
                        body = {}
                    return r.status, body or {}
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("Matrix %s %s failed: %s", method, path, exc)
            raise UNAVAILABLE from exc

    async def login(self, user: str, password: str) -> MatrixLogin:
        """Raises LoginRefused (401 wrong password, 403 not an operator, 429, 503)."""
        user = (user or "").strip()
        if not user or not password or len(user) > 255 or len(password) > 1024:
            raise BAD_CREDENTIALS
        status, body = await self._call("POST", "/_matrix/client/v3/login", json={
            "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
            "password": password, "initial_device_display_name": "Dasbor Operator Kamtibmas"})
        if status == 429:
            raise RATE_LIMITED
        if status in (400, 401, 403) or (status == 200 and not body.get("access_token")):
            raise BAD_CREDENTIALS
        if status != 200:
            log.warning("Matrix login answered %s: %s", status, body)
            raise UNAVAILABLE
        login = MatrixLogin(body["user_id"], body["access_token"], body.get("device_id"), 0)
        try:
            login.power_level = await self.power_level(login.user_id, login.access_token)
        except LoginRefused:
            await self.logout(login.access_token)
            raise
        if login.power_level < self.min_level:
            await self.logout(login.access_token)
            raise NOT_OPERATOR
        status, prof = await self._call(
            "GET", f"/_matrix/client/v3/profile/{quote(login.user_id)}/displayname", token=login.access_token)
        if status == 200:
            login.display_name = prof.get("displayname")
        return login

    async def room_id(self, token: str) -> str:
        if self._room_id is None:
            status, body = await self._call(
                "GET", f"/_matrix/client/v3/directory/room/{quote(self.alias, safe='')}", token=token)
            if status != 200 or not body.get("room_id"):
                log.error("operator room %s not resolvable (%s %s)", self.alias, status, body)
                raise NO_ROOM if status == 404 else UNAVAILABLE
            self._room_id = body["room_id"]
        return self._room_id

    async def power_level(self, user_id: str, token: str) -> int:
        """The user's power level in the operator room, read with the user's own token.
        Not a member (403) counts as level -1; an invalid token raises BAD_CREDENTIALS."""
        room = await self.room_id(token)
        status, body = await self._call(
            "GET", f"/_matrix/client/v3/rooms/{quote(room, safe='')}/state/m.room.power_levels",
            token=token)
        if status == 401:
            raise BAD_CREDENTIALS
        if status in (403, 404):
            return -1
        if status != 200:
            raise UNAVAILABLE
        users = body.get("users") or {}
        try:
            return int(users.get(user_id, body.get("users_default", 0)))
        except (TypeError, ValueError):
            return 0

    async def logout(self, token: str) -> None:
        try:
            await self._call("POST", "/_matrix/client/v3/logout", token=token, json={})
        except LoginRefused:
            pass  # best effort: the homeserver is down, the token dies with the device later
