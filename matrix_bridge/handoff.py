"""Human handoff, Matrix side of the Kamtibmas service (issue 15): the operator thread, delivery of
messages both ways, claims, hand-backs, timeouts. Wired once by service.py; the HTTP routes
(handoff/api.py) and the chat handlers (handlers/handoff.py) call it.

Delivery is at-least-once from the store and idempotent at the receiver, so a restart loses and
doubles nothing: every message is recorded (keyed by its source event) before it is sent; Matrix
sends use the transaction id `handoff-msg-<id>` (Synapse returns the same event for a repeated
txn id of the same device); web pushes carry the message id and the widget shows an id once.
A pump retries what is undelivered (and thread roots not yet posted) and applies the timeouts.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp

from handoff import hours
from handoff import texts as tx
from handoff.store import OPEN, HandoffStore, pseudonym
from privacy.masking import mask_text
from reports import config as rconf

from . import formatting as fmt

log = logging.getLogger("matrix_bridge.handoff")

OFFICER_FALLBACK = "Petugas Polres Batang"
TITIP_WINDOW_S = 30 * 60  # a missed ticket waits this long for a left message


class HandoffService:
    def __init__(self, cfg, bot, state, store: HandoffStore | None = None, interval_s: float = 1.0):
        self.cfg, self.bot, self.state = cfg, bot, state
        self.store = store or HandoffStore(cfg.handoff_db_path)
        self.interval = interval_s
        self.wake = asyncio.Event()
        self._inflight: set[int] = set()
        self._http: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ requests
    async def request(self, kanal: str, warga: str, subjek: str, giliran: list[dict]) -> dict:
        """Open a ticket for the citizen (or find the active one); the answer tells the citizen."""
        turns = [{"dari": g["dari"], "teks": mask_text(g["teks"]) or ""} for g in giliran]
        ruang = balas_ke = None
        if kanal == "matrix":
            last = json.loads(self.state.get(f"handoff_last:{warga}") or "{}")
            ruang, balas_ke = last.get("room"), last.get("event")
        is_open = hours.is_open()
        ticket, created = self.store.create(
            kanal, warga, warga if kanal == "matrix" else pseudonym(warga), mask_text(subjek) or "",
            turns, ruang=ruang, balas_ke=balas_ke, status="menunggu" if is_open else "titip",
            alasan=None if is_open else "luar_jam")
        if not created:
            pesan = (tx.sudah_ada(ticket) if ticket["status"] in OPEN
                     else tx.tidak_ada_petugas(ticket.get("alasan") or "waktu_habis"))
        else:
            log.info("handoff %s opened (%s, %s)", ticket["kode"], kanal, ticket["status"])
            await self._post_root(ticket)
            pesan = tx.diteruskan(ticket, hours.timeout_s()) if is_open else tx.tidak_ada_petugas("luar_jam")
        return {"id": ticket["id"], "kode": ticket["kode"], "status": ticket["status"],
                "baru": created, "pesan": pesan}

    async def _post_root(self, ticket: dict) -> None:
        eid = await self.bot.send(self.bot.operator_room, fmt.notice(tx.ticket_root(ticket)),
                                  txn_id=f"handoff-root-{ticket['id']}")
        if eid:
            self.store.set_root(ticket["id"], eid)
            self.wake.set()  # citizen messages that waited for the root

    # ------------------------------------------------------------------ citizen side
    async def citizen_message(self, kanal: str, warga: str, teks: str, sumber: str | None = None,
                              ruang: str | None = None, event_id: str | None = None) -> dict | None:
        """None when the citizen is not handed off (the bot answers); else the replies to show
        (usually none: the message went to the thread)."""
        t = self.store.active_for(kanal, warga)
        if t is None:
            return None
        if ruang and event_id:
            self.store.set_reply_target(t["id"], ruang, event_id)
        if t["status"] == "titip":
            if teks.strip().lower().strip(".!") in tx.BATAL:
                self.store.end(t["id"], warga, "terlewat")
                await self._thread_notice(t, f"{t['label']} tidak menitip pesan. Tiket ditutup.", "batal")
                return {"balasan": [tx.titipan_batal()]}
            msg, _ = self.store.add_message(t["id"], "warga", teks, sumber)
            self.store.end(t["id"], warga, "terlewat")
            await self.deliver(msg)
            return {"balasan": [tx.titipan_diterima()]}
        msg, created = self.store.add_message(t["id"], "warga", teks, sumber)
        if created or not msg.get("terkirim"):
            await self.deliver(msg)
        return {"balasan": []}

    # ------------------------------------------------------------------ operator side
    async def officer_name(self, user_id: str) -> str:
        try:
            resp = await self.bot.client.get_displayname(user_id)
            name = getattr(resp, "displayname", None)
        except Exception:  # noqa: BLE001 - the name is cosmetic; never show the account instead
            log.exception("display name of an operator unavailable")
            name = None
        if not name or name.startswith("@") or ":" in name:
            return OFFICER_FALLBACK
        return name

    async def claim(self, t: dict, operator: str, source: str) -> tuple[bool, str]:
        """(claimed by this call, text for the thread)."""
        if t["status"] != "menunggu":
            return False, tx.op_sudah_diambil(t) if t["status"] == "diambil" else tx.op_tidak_aktif(t)
        name = await self.officer_name(operator)
        if not self.store.claim(t["id"], operator, name):
            return False, tx.op_sudah_diambil(self.store.get(t["id"]))
        msg, _ = self.store.add_message(t["id"], "sistem", tx.diambil(name), f"{source}|ambil")
        await self.deliver(msg)
        log.info("handoff %s claimed", t["kode"])
        return True, tx.op_diambil(t, name)

    async def officer_message(self, t: dict, operator: str, teks: str, event_id: str) -> str | None:
        """An operator's message in the thread; returns a notice for the thread, if any."""
        note = None
        if t["status"] == "menunggu":
            _, note = await self.claim(t, operator, event_id)
            t = self.store.get(t["id"])
        if t["status"] not in OPEN:
            return tx.op_tidak_aktif(t)
        name = t.get("nama_petugas") or await self.officer_name(operator)
        msg, created = self.store.add_message(t["id"], "petugas", teks, event_id, nama=name)
        if created or not msg.get("terkirim"):
            await self.deliver(msg)
        return note

    async def end(self, t: dict, operator: str, source: str) -> str:
        if not self.store.end(t["id"], operator, "selesai"):
            return tx.op_tidak_aktif(t)
        msg, _ = self.store.add_message(t["id"], "sistem", tx.dikembalikan(), f"{source}|selesai")
        await self.deliver(msg)
        log.info("handoff %s handed back", t["kode"])
        return tx.op_selesai(self.store.get(t["id"]), await self.officer_name(operator))

    async def _thread_notice(self, t: dict, text: str, key: str) -> None:
        if t.get("thread_root"):
            await self.bot.send(self.bot.operator_room, fmt.notice(text, thread_root=t["thread_root"]),
                                txn_id=f"handoff-{t['id']}-{key}")

    # ------------------------------------------------------------------ delivery
    async def deliver(self, msg: dict) -> bool:
        if msg["id"] in self._inflight or msg.get("terkirim"):
            return bool(msg.get("terkirim"))
        self._inflight.add(msg["id"])
        try:
            t = self.store.get(msg["tiket"])
            if msg["dari"] == "warga":
                ref = await self._to_thread(t, msg)
            elif t["kanal"] == "matrix":
                ref = await self._to_matrix_citizen(t, msg)
            else:
                ref = await self._to_web_citizen(t, msg)
            if ref:
                self.store.mark_delivered(msg["id"], ref)
                return True
            return False  # the pump retries on its next round
        finally:
            self._inflight.discard(msg["id"])

    async def _to_thread(self, t: dict, msg: dict) -> str | None:
        if not t.get("thread_root"):
            return None
        titipan = t["status"] != "diambil" and t.get("terlewat") is not None
        content = fmt.notice(tx.dari_warga(t, msg["teks"], titipan), thread_root=t["thread_root"])
        content["msgtype"] = "m.text"  # the citizen's own words, not a bot notice
        return await self.bot.send(self.bot.operator_room, content, txn_id=f"handoff-msg-{msg['id']}")

    async def _to_matrix_citizen(self, t: dict, msg: dict) -> str | None:
        if not t.get("ruang"):
            log.error("handoff %s: no Matrix room known for the citizen", t["kode"])
            return "tanpa-ruang"
        body = f"👮 {msg['nama']}: {msg['teks']}" if msg["dari"] == "petugas" else msg["teks"]
        content = fmt.notice(body, reply_to=t.get("balas_ke"))
        if msg["dari"] == "petugas":
            content["msgtype"] = "m.text"
        return await self.bot.send(t["ruang"], content, txn_id=f"handoff-msg-{msg['id']}")

    async def _to_web_citizen(self, t: dict, msg: dict) -> str | None:
        url = (self.cfg.handoff_push_url
               or f"{self.cfg.rasa_url.rstrip('/')}/webhooks/socketio/handoff/push")
        body = {"sender_id": t["warga"], "messages": [{"custom": {"data": {"handoff": {
            "id": msg["id"], "dari": msg["dari"], "nama": msg.get("nama"), "teks": msg["teks"],
            "tiket": t["kode"], "status": t["status"]}}}}]}
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            token = rconf.client_token() or self.cfg.reports_token  # what the web gateway checks
            async with self._http.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as resp:
                if resp.status == 200:  # shown now, or kept in the history for when they are back
                    return f"web:{msg['id']}"
                log.warning("web push of %s answered %s", msg["id"], resp.status)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            log.warning("web push of %s failed: %r", msg["id"], e)
        return None

    # ------------------------------------------------------------------ pump
    async def tick(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        timeout = hours.timeout_s()
        for t in self.store.without_root():
            await self._post_root(t)
        for t in self.store.waiting_since(now - timeout):
            if self.store.miss(t["id"], "waktu_habis", now):
                log.info("handoff %s missed", t["kode"])
                msg, _ = self.store.add_message(t["id"], "sistem", tx.tidak_ada_petugas("waktu_habis"),
                                                f"handoff-{t['id']}|terlewat")
                await self.deliver(msg)
                await self._thread_notice(t, tx.op_terlewat(t, timeout), "terlewat")
        for t in self.store.titip_since(now - TITIP_WINDOW_S):
            self.store.end(t["id"], "sistem", "terlewat", now)
        for msg in self.store.undelivered():
            await self.deliver(msg)

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - try again on the next round
                log.exception("handoff pump failed")
            try:
                await asyncio.wait_for(self.wake.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
            self.wake.clear()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
