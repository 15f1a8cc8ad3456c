"""The one HTTP client of the handoff routes (handoff/api.py): used by the action server
(actions/handoff.py) and by the web chat gateway (handoff/web_gateway.py). Same address and
token as the report API client (reports.config.client_token: the chat token when configured)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from reports import config

log = logging.getLogger(__name__)
_UNREACHABLE = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


class HandoffUnavailable(RuntimeError):
    """The handoff service could not be reached or answered with an error."""


class HandoffClient:
    def __init__(self, base_url: str | None = None, token: str | None = None, timeout: float = 10.0):
        self.base_url = (base_url or config.api_url()).rstrip("/")
        # the chat token when configured (the action server's narrow token; reports.config)
        self.token = token if token is not None else config.client_token()
        self.timeout = timeout

    async def _post(self, path: str, body: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as s:
                async with s.post(self.base_url + path, headers=headers,
                                  data=json.dumps(body, ensure_ascii=False)) as resp:
                    data = await resp.json(content_type=None)
                    if resp.status not in (200, 201) or not isinstance(data, dict):
                        raise HandoffUnavailable(f"handoff API answered {resp.status}: {data}")
                    return data
        except _UNREACHABLE as exc:
            raise HandoffUnavailable(f"handoff API unreachable: {exc!r}") from exc
        except ValueError as exc:
            raise HandoffUnavailable(f"handoff API answered no JSON: {exc!r}") from exc

    async def request(self, kanal: str, warga: str, subjek: str, giliran: list[dict]) -> dict[str, Any]:
        """Open (or find) the citizen's ticket: {id, kode, status, baru, pesan}."""
        return await self._post("/v1/handoff", {"kanal": kanal, "warga": warga, "subjek": subjek,
                                                "giliran": giliran})

    async def message(self, kanal: str, warga: str, teks: str, sumber: str | None = None) -> dict:
        """Relay a citizen message if handed off: {aktif: False} or {aktif: True, balasan: [...]}."""
        return await self._post("/v1/handoff/pesan", {"kanal": kanal, "warga": warga, "teks": teks,
                                                      "sumber": sumber})
