"""Helpers for the operator dashboard tests (bridge venv): the dashboard served from a thread
(its own event loop, so blocking Selenium calls in a test never stall it), a small cookie-aware
HTTP client, seeded reports, and a headless Chromium with a laptop or phone viewport."""
from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from mx_support import free_port

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "out" / "artifacts"
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


class Client:
    """Cookie-keeping HTTP client (urllib) that remembers the CSRF token from login."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf: Optional[str] = None
        self.origin = base.split("/operator/")[0]

    def request(self, method: str, path: str, body=None, headers: Optional[dict] = None,
                raw: Optional[bytes] = None):
        """(status, headers, parsed JSON or text) — never raises for HTTP errors."""
        h = {"Accept": "application/json", **(headers or {})}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=60) as r:
                status, hdrs, payload = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, payload = e.code, e.headers, e.read()
        text = payload.decode("utf-8")
        ctype = hdrs.get("Content-Type", "")
        return status, hdrs, (json.loads(text) if "json" in ctype and text else text)

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, csrf: bool = True, origin: bool = True, headers=None):
        h = dict(headers or {})
        if csrf and self.csrf:
            h.setdefault("X-CSRF-Token", self.csrf)
        if origin:
            h.setdefault("Origin", self.origin)
        return self.request("POST", path, body=body if body is not None else {}, headers=h)

    def login(self, user: str, password: str):
        status, hdrs, data = self.post("api/login", {"user": user, "password": password}, csrf=False)
        if status == 200:
            self.csrf = data["csrf"]
        return status, hdrs, data


def seed(store, n: int = 12, prefix: str = "seed", ruang: Optional[str] = None,
         pelapor: str = "@warga:polres.localhost"):
    """n reports of every kind/channel, two thirds with coordinates around Batang; returns them."""
    kinds = ["gangguan_kamtibmas", "kecelakaan_lalu_lintas", "bencana_alam", "lainnya"]
    out = []
    for i in range(n):
        lokasi = {"teks": f"Jl. Contoh {i}, Batang"}
        if i % 3 != 2:
            lokasi.update(lat=-6.90 + 0.01 * (i % 7), lon=109.70 + 0.013 * (i % 5))
        payload = {"jenis": kinds[i % 4], "lokasi": lokasi, "waktu": "barusan",
                   "deskripsi": f"Kejadian nomor {i} ({prefix}) di sekitar lokasi.",
                   "kanal": "matrix" if i % 2 == 0 else "web",
                   "pelapor": pelapor if i % 2 == 0 else f"web-{prefix}-{i}",
                   "ruang": ruang if i % 2 == 0 else None, "idempotency_key": f"{prefix}:{i}"}
        report, _ = store.create(payload)
        out.append(report)
    return out


def chrome(user_data_dir: str, width: int = 1366, height: int = 900, mobile: bool = False):
    import pytest
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(f"need Debian chromium + chromium-driver ({CHROMIUM}, {CHROMEDRIVER})")
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


def csp_violations(driver) -> list:
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e.get("message", "") or "Refused to" in e.get("message", "")]
