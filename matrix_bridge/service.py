"""The Kamtibmas service: Matrix bot + report API (reports.api) + outbox delivery + bulletin
scheduler, all in one asyncio loop. Used by `python -m matrix_bridge` and by tests in-process."""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from .bot import KamtibmasBot
from .config import Config
from .handlers.siaran import BulletinService

log = logging.getLogger("matrix_bridge")


class BridgeService:
    def __init__(self, cfg: Config, store=None, clock=None, scheduler: bool = True):
        if store is None:
            from reports.store import open_store
            store = open_store()
        self.cfg = cfg
        self.store = store
        self.bot = KamtibmasBot(cfg, store, clock=clock)
        self.bot.bulletins = BulletinService(self.bot, clock=clock)
        self.use_scheduler = scheduler
        self.runner: web.AppRunner | None = None
        self.sync_task: asyncio.Task | None = None

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
            app = make_app(self.store, token, on_created=self.bot.wake_outbox,
                           on_status=self.bot.wake_outbox, rasa_url=self.cfg.rasa_url)
            self.runner = web.AppRunner(app)
            await self.runner.setup()
            await web.TCPSite(self.runner, self.cfg.reports_host, self.cfg.reports_port).start()
            log.info("report API on http://%s:%s", self.cfg.reports_host, self.cfg.reports_port)
        self.bot.spawn(self.bot.outbox_loop())
        if self.use_scheduler:
            self.bot.bulletins.start_scheduler()
        self.sync_task = asyncio.create_task(self.bot.run())

    async def wait_synced(self, timeout: float = 30) -> None:
        await asyncio.wait_for(self.bot.synced.wait(), timeout)

    async def stop(self) -> None:
        self.bot.bulletins.shutdown()
        self.bot._stop.set()
        if self.sync_task:
            self.sync_task.cancel()
            await asyncio.gather(self.sync_task, return_exceptions=True)
        if self.runner:
            await self.runner.cleanup()
        await self.bot.close()

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc):
        await self.stop()
