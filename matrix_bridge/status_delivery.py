"""Delivery of the report store's pending notifications to Matrix: report cards to the operator
room and status messages to Matrix reporters. Started by the service; woken after a new report
or a status change, else it polls. Failed sends stay pending and are retried with the same
backoff as the web notifier (reports/backoff.py). Stable txn ids (the notification id) make a
re-delivery after a crash idempotent."""
from __future__ import annotations

import asyncio
import logging

from privacy.masking import keep_of, mask_text
from reports.backoff import Backoff, wait_woken
from reports.texts import format_card

from . import formatting as fmt

log = logging.getLogger("matrix_bridge.status_delivery")

CARD_HINT = ("\n\nTindak lanjut: reaksi ✅ diterima · 👮 ditangani · 🏁 selesai, atau perintah "
             "!terima / !tangani / !selesai / !tolak {id} alasan")


class StatusDelivery:
    def __init__(self, matrix, store, interval: float = 2.0):
        self.matrix = matrix  # KamtibmasBot: send(), operator_room
        self.store = store
        self.interval = interval
        self.backoff = Backoff()
        self._wake = asyncio.Event()

    def wake(self, *_args) -> None:
        """Deliver now (e.g. after a new report or a status change); callback-friendly."""
        self._wake.set()

    async def _deliver(self, n: dict, room: str, content: dict, what: str) -> str | None:
        eid = await self.matrix.send(room, content, txn_id=f"notif-{n['notif_id']}")
        if eid:
            if n["target"] == "operator":  # before mark_notified: a crash in between re-sends
                self.store.set_operator_event(n["laporan_id"], eid)
            self.store.mark_notified(n["notif_id"])
            self.backoff.succeeded(n["notif_id"])
        else:
            self.store.mark_failed(n["notif_id"], f"send to {what} failed")
            self.backoff.failed(n["notif_id"], n.get("attempts") or 0)
        return eid

    async def deliver_pending(self) -> int:
        """Send every pending notification that is due; returns how many were sent."""
        store = self.store
        sent = 0
        for n in store.pending_notifications(target="operator"):
            if not self.backoff.due(n["notif_id"]):
                continue
            report = store.get(n["laporan_id"]) or {}
            # masked again (cards queued before masking existed); the contact the reporter chose
            # to give stays readable
            body = (mask_text(n.get("pesan") or format_card(report), keep_of(report.get("kontak")))
                    + CARD_HINT.format(id=n["laporan_id"]))
            content = fmt.notice(body)
            content["msgtype"] = "m.text"  # cards should notify operators
            if await self._deliver(n, self.matrix.operator_room, content, "operator room"):
                sent += 1
        for n in store.pending_notifications(target="pelapor", kanal="matrix"):
            if not self.backoff.due(n["notif_id"]):
                continue
            room = n.get("ruang")
            if not room:
                store.mark_failed(n["notif_id"], "no room for reporter")
                self.backoff.failed(n["notif_id"], n.get("attempts") or 0)
                continue
            content = fmt.notice(n["pesan"], mention=n.get("pelapor"))
            if await self._deliver(n, room, content, "reporter room"):
                sent += 1
        return sent

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_pending()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - never let the loop die
                log.exception("status delivery failed; retrying")
            await wait_woken(self._wake, self.interval)
