"""The Kamtibmas service: Matrix bot + report API (reports.api) + status delivery + bulletin
scheduler + upkeep, all in one asyncio loop. It wires the handlers' services (context.Deps) once.
Used by `python -m matrix_bridge` and by tests in-process."""
from __future__ import annotations

import asyncio
import logging
import os

from aiohttp import web

from .bot import KamtibmasBot
from .bulletins import BulletinService
from .config import Config
from .context import Ctx, Deps, FloodLimiter
from .handlers import dispatch
from .rasa_client import RasaClient
from .state import BridgeState
from .status_delivery import StatusDelivery

log = logging.getLogger("matrix_bridge")

PRUNE_EVERY_S = 6 * 3600  # forget handled event ids older than a week (BridgeState.prune_processed)


class BridgeService:
    def __init__(self, cfg: Config, store=None, clock=None, scheduler: bool = True):
        if store is None:
            from reports.store import open_store
            store = open_store()
        self.cfg = cfg
        self.store = store
        self.state = BridgeState(cfg.db_path)
        self.bot = KamtibmasBot(cfg, self.state, on_event=self._on_event)
        self.rasa = RasaClient(cfg.rasa_url, cfg.rasa_timeout_s)
        self.delivery = StatusDelivery(self.bot, store, cfg.outbox_interval_s)
        self.bulletins = BulletinService(cfg, self.bot, self.state, clock=clock)
        self.deps = Deps(cfg=cfg, matrix=self.bot, store=store, state=self.state, rasa=self.rasa,
                         bulletins=self.bulletins, delivery=self.delivery,
                         question_limiter=FloodLimiter(cfg.flood_questions, cfg.flood_window_s),
                         report_limiter=FloodLimiter(cfg.flood_reports, cfg.flood_report_window_s))
        self.use_scheduler = scheduler
        self.runner: web.AppRunner | None = None
        self.sync_task: asyncio.Task | None = None
        self._tasks: list[asyncio.Task] = []

    async def _on_event(self, room_id: str, event: dict, kind: str) -> None:
        await dispatch(Ctx(self.deps, room_id, event, kind))

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        await self.bot.start()
        if self.cfg.serve_reports_api:
            from reports import config as rconf
            from reports.api import make_app
            token = self.cfg.reports_token or rconf.load_token(create=True)
            # the action server's narrower token: created next to var/reports.token when that is
            # the token in use (make run); containers pass REPORTS_CHAT_TOKEN
            default = not os.environ.get("REPORTS_TOKEN") and token == rconf.load_token(create=False)
            app = make_app(self.store, token, on_created=self.delivery.wake,
                           on_status=self.delivery.wake, rasa_url=self.cfg.rasa_url,
                           chat_token=rconf.load_chat_token(create=default))
            self.runner = web.AppRunner(app)
            await self.runner.setup()
            await web.TCPSite(self.runner, self.cfg.reports_host, self.cfg.reports_port).start()
            log.info("report API on http://%s:%s", self.cfg.reports_host, self.cfg.reports_port)
        self._tasks.append(asyncio.create_task(self.delivery.run()))
        self._tasks.append(asyncio.create_task(self._upkeep()))
        if self.use_scheduler:
            self.bulletins.start_scheduler()
        self.sync_task = asyncio.create_task(self.bot.run())

    async def _upkeep(self) -> None:
        """Periodic housekeeping: the bridge state, and closed reports past their retention
        (REPORTS_RETENTION_DAYS, privacy/retention.py; docs/privacy.md)."""
        from privacy import retention

        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(None, self.state.prune_processed)
            except Exception:  # noqa: BLE001 - try again next time
                log.exception("pruning processed events failed")
            try:
                await loop.run_in_executor(None, self.store.purge_closed,
                                           retention.reports_retention_days())
                await loop.run_in_executor(None, self.state.prune_conversations,
                                           retention.retention_days() * retention.DAY)
            except Exception:  # noqa: BLE001 - try again next time
                log.exception("retention purge failed")
            await asyncio.sleep(PRUNE_EVERY_S)

    async def wait_synced(self, timeout: float = 30) -> None:
        await asyncio.wait_for(self.bot.synced.wait(), timeout)

    @property
    def stopped(self) -> bool:
        return self.bot.stopping.is_set()

    async def stop(self) -> None:
        await self.bulletins.shutdown()
        self.bot.stop()
        if self.sync_task:
            self.sync_task.cancel()
            await asyncio.gather(self.sync_task, return_exceptions=True)
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.runner:
            await self.runner.cleanup()
        await self.bot.close()
        await self.rasa.close()

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc):
        await self.stop()
