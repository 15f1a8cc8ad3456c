"""Bulletins (siaran, command !siaran): routine slots (pagi/siang/malam at configurable times,
Asia/Jakarta) and ad-hoc urgent ones. APScheduler fires the slots; `sent_bulletins(slot, date)`
guarantees that a restart never re-sends a bulletin and never skips one that was due within the
grace window."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reports.vocabulary import DARURAT

from . import formatting as fmt

log = logging.getLogger("matrix_bridge.bulletin")

SLOT_TITLE = {"pagi": "Pagi", "siang": "Siang", "malam": "Malam"}
DEFAULT_TEXT = {
    "pagi": "Selamat pagi, warga Batang. Mari awali hari dengan tertib berlalu lintas: pakai helm, "
            "patuhi rambu, dan jangan menggunakan ponsel saat berkendara.",
    "siang": "Selamat siang, warga Batang. Tetap waspada terhadap pencurian kendaraan: kunci ganda "
             "motor Anda dan parkir di tempat yang aman.",
    "malam": "Selamat malam, warga Batang. Pastikan pintu dan jendela rumah terkunci, dan laporkan "
             "hal mencurigakan di lingkungan Anda.",
}
_BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember"]


def format_tanggal(d) -> str:
    """date -> '15 Januari 2030'."""
    return f"{d.day} {_BULAN[d.month - 1]} {d.year}"


class BulletinService:
    def __init__(self, cfg, matrix, state, clock=None):
        self.cfg = cfg
        self.matrix = matrix  # KamtibmasBot: send(), rooms
        self.state = state
        self.tz = ZoneInfo(cfg.timezone)
        self.clock = clock or (lambda: datetime.now(self.tz))
        self.scheduler = None
        self._lock = asyncio.Lock()
        self._catch_up: asyncio.Task | None = None

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def slot_times(self) -> dict[str, tuple[int, int]]:
        out = {}
        for slot, hhmm in self.cfg.bulletin_times.items():
            h, m = str(hhmm).replace(".", ":").split(":")
            out[slot] = (int(h), int(m))
        return out

    def due_slots(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """(slot, date) pairs whose time has passed today (or yesterday, across midnight) within
        the grace window and that were not sent yet."""
        now = (now or self.now()).astimezone(self.tz)
        grace = timedelta(minutes=self.cfg.bulletin_grace_minutes)
        due = []
        for slot, (h, m) in self.slot_times().items():
            for day in (now.date() - timedelta(days=1), now.date()):
                at = datetime(day.year, day.month, day.day, h, m, tzinfo=self.tz)
                if at <= now <= at + grace and not self.state.bulletin_sent(slot, day.isoformat()):
                    due.append((slot, day.isoformat()))
        return due

    async def target_rooms(self) -> list[str]:
        if self.cfg.bulletin_rooms:
            rooms = []
            for a in self.cfg.bulletin_rooms:
                rid = await self.matrix.resolve_alias(a)
                if rid:
                    rooms.append(rid)
            return rooms
        return [self.matrix.announce_room, *self.matrix.community_rooms()]

    async def run_due(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Send every due routine bulletin exactly once. Safe to call any time, concurrently."""
        async with self._lock:
            sent = []
            for slot, day in self.due_slots(now):
                text = self.state.get_bulletin_text(slot) or DEFAULT_TEXT.get(slot) or ""
                d = datetime.fromisoformat(day)
                title = SLOT_TITLE.get(slot, slot.title())
                body = f"📢 Siaran Kamtibmas {title} — {format_tanggal(d)}\n\n{text}\n\n{DARURAT}"
                ok = await self.fan_out(body, await self.target_rooms(), f"siaran-{slot}-{day}")
                if ok:
                    self.state.mark_bulletin_sent(slot, day)
                    sent.append((slot, day))
                    log.info("bulletin %s %s sent", slot, day)
            return sent

    async def fan_out(self, body: str, rooms: list[str], txn_prefix: str, concurrency: int = 10) -> bool:
        """Send to all rooms (stable txn ids per room: a re-send after a crash is deduplicated)."""
        sem = asyncio.Semaphore(concurrency)
        content = fmt.notice(body)
        content["msgtype"] = "m.text"

        async def one(room):
            async with sem:
                return await self.matrix.send(room, dict(content), txn_id=f"{txn_prefix}-{room}")
        results = await asyncio.gather(*(one(r) for r in rooms))
        return all(results)

    def start_scheduler(self):
        """APScheduler cron jobs per slot (rebuilt on every start from config; the durable part is
        sent_bulletins), plus an immediate catch-up for a bulletin missed while down."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger
        self.scheduler = AsyncIOScheduler(timezone=self.tz)
        grace_s = self.cfg.bulletin_grace_minutes * 60
        for slot, (h, m) in self.slot_times().items():
            self.scheduler.add_job(self.run_due, CronTrigger(hour=h, minute=m, timezone=self.tz),
                                   id=f"siaran-{slot}", replace_existing=True, coalesce=True,
                                   misfire_grace_time=grace_s, max_instances=1)
        self.scheduler.start()
        self._catch_up = asyncio.create_task(self.run_due())
        return self.scheduler

    async def shutdown(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._catch_up is not None:
            self._catch_up.cancel()
            await asyncio.gather(self._catch_up, return_exceptions=True)
