"""Deliver status changes of web-chat reports to the reporter through Rasa (aiohttp).

Rasa's HTTP API (`rasa run --enable-api`) can inject an intent into a conversation:
`POST /conversations/{sender}/trigger_intent?output_channel=latest`. The assistant answers it with
`action_lapor_pembaruan` (actions/lapor.py), and Rasa sends that answer over the channel the user
last wrote from (socket.io for the web widget). If the user is offline the message still lands in
the conversation history; `lapor_status` shows the current status next time.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional
from urllib.parse import quote

import aiohttp

from . import config
from .backoff import Backoff, wait_woken

logger = logging.getLogger(__name__)

INTENT = "lapor_pembaruan_status"


async def notify_web(session: aiohttp.ClientSession, rasa_url: str, sender: str, laporan_id: str,
                     status: str, token: Optional[str] = None, timeout: float = 30.0) -> bool:
    """Trigger `lapor_pembaruan_status` for `sender`; True when Rasa accepted it (HTTP 200)."""
    url = f"{rasa_url.rstrip('/')}/conversations/{quote(sender, safe='')}/trigger_intent"
    params = {"output_channel": "latest"}
    if token:
        params["token"] = token
    body = {"name": INTENT, "entities": {"laporan_id": laporan_id, "status_laporan": status}}
    try:
        async with session.post(url, params=params, json=body,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            if resp.status == 200:
                return True
            text = (await resp.text())[:300]
            logger.warning("trigger_intent for %s (%s) answered %s: %s", sender, laporan_id,
                           resp.status, text)
            return False
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        logger.warning("Rasa unreachable for %s (%s): %s", sender, laporan_id, exc)
        return False


class WebNotifier:
    """Delivers pending `target=pelapor, kanal=web` notifications from a ReportStore.

    Failed deliveries stay pending and are retried with exponential backoff (3 s … 5 min).
    """

    def __init__(self, store, rasa_url: Optional[str] = None, token: Optional[str] = None,
                 interval: float = 3.0):
        self.store = store
        self.rasa_url = rasa_url or config.rasa_url()
        self.token = token if token is not None else config.rasa_token()
        self.interval = interval
        self.wake = asyncio.Event()
        self.backoff = Backoff()

    async def deliver_pending(self, session: aiohttp.ClientSession) -> int:
        loop = asyncio.get_running_loop()
        pending = await loop.run_in_executor(
            None, lambda: self.store.pending_notifications(target="pelapor", kanal="web"))
        sent = 0
        for n in pending:
            if not self.backoff.due(n["notif_id"]):
                continue
            ok = await notify_web(session, self.rasa_url, n["pelapor"], n["laporan_id"], n["status"],
                                  self.token)
            if ok:
                await loop.run_in_executor(None, self.store.mark_notified, n["notif_id"])
                self.backoff.succeeded(n["notif_id"])
                sent += 1
            else:
                await loop.run_in_executor(None, self.store.mark_failed, n["notif_id"],
                                           "rasa trigger_intent failed")
                self.backoff.failed(n["notif_id"], n.get("attempts") or 0)
        return sent

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    await self.deliver_pending(session)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - never let the loop die
                    logger.exception("web notification loop failed; retrying")
                await wait_woken(self.wake, self.interval)
