"""Support shared by the dashboard tests and scripts/bench_dashboard.py: the operator dashboard
served from a thread (its own event loop, so blocking Selenium calls never stall it) and a
headless Debian Chromium driven through the system chromedriver (nothing is downloaded)."""
from __future__ import annotations

import asyncio
import os
import threading

from devtools.net import free_port

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")


class DashboardServer:
    """make_app(store, settings) on 127.0.0.1:<free port> in a background thread."""

    def __init__(self, store, settings):
        from aiohttp import web

        from dashboard.app import make_app

        self.port = settings.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/operator/"
        self.app = make_app(store, settings)
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner = web.AppRunner(self.app, access_log=None)

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self.loop.run_until_complete(site.start())
            self._ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert self._ready.wait(20), "dashboard did not start"

    @property
    def sessions(self):
        from dashboard.keys import SESSIONS
        return self.app[SESSIONS]

    def close(self) -> None:
        fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop)
        fut.result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def chrome(user_data_dir: str, width: int = 1366, height: int = 900, mobile: bool = False):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        raise RuntimeError(f"need Debian chromium + chromium-driver ({CHROMIUM}, {CHROMEDRIVER})")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={user_data_dir}",
                 f"--window-size={width},{height}", "--lang=id-ID"):
        opts.add_argument(flag)
    if mobile:
        opts.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844,
                                                                            "pixelRatio": 2}})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(60)
    return drv
