"""Rasa over HTTP only (never import rasa/actions): REST webhook and /model/parse."""
from __future__ import annotations

import asyncio
import logging
import os

import aiohttp

log = logging.getLogger("matrix_bridge.rasa")


class RasaUnavailable(Exception):
    pass


class RasaClient:
    def __init__(self, base_url: str, timeout_s: float = 30.0,
                 session: aiohttp.ClientSession | None = None):
        self.base = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session = session
        self._own_session = session is None
        # Rasa's --auth-token for its HTTP API (/model/parse); the REST webhook ignores it.
        self.params = {"token": os.environ["RASA_TOKEN"]} if os.environ.get("RASA_TOKEN") else None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:  # created inside the running loop, on first use
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, path: str, payload: dict, retries: int = 2):
        last: Exception | None = None
        for attempt in range(retries + 1):
            try:
                async with self.session.post(self.base + path, json=payload, timeout=self.timeout,
                                             params=self.params if path.startswith("/model/") else None) as r:
                    if r.status == 200:
                        return await r.json(content_type=None)
                    last = RasaUnavailable(f"HTTP {r.status}: {(await r.text())[:200]}")
                    if r.status < 500:
                        break
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                last = e
            await asyncio.sleep(0.5 * (attempt + 1))
        raise RasaUnavailable(str(last))

    async def webhook(self, sender: str, message: str) -> list[dict]:
        res = await self._post("/webhooks/rest/webhook", {"sender": sender, "message": message})
        return res if isinstance(res, list) else []

    async def parse(self, text: str) -> dict:
        res = await self._post("/model/parse", {"text": text}, retries=1)
        return res if isinstance(res, dict) else {}
