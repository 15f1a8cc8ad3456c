"""Helpers and fixtures for the web chat tests (run under .venv/bridge).

There is deliberately no tests/webchat/conftest.py: tests/matrix does `from conftest import ...`,
and `pytest tests/matrix tests/webchat` (scripts/test.sh) would then import ours instead.
Test modules import the fixtures below by name.

- `webchat_factory(rasa_url)` starts webchat/serve.py in a thread on a free port.
- `browser` is a headless Debian chromium driven by Selenium through /usr/bin/chromedriver
  (explicit paths: selenium-manager never runs and nothing is downloaded), mobile viewport 390x844.
- `TcpProxy` forwards a local port to Rasa and can be stopped/started to simulate a dropped
  mobile connection.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional
from urllib.parse import urlsplit

import pytest

from devtools.net import free_port

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "out" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
MOBILE = {"width": 390, "height": 844, "pixelRatio": 2}
MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 11; Redmi 9A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)

# selenium-manager must never run (it would try to download a driver/browser).
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")


class WebchatServer:
    def __init__(self, rasa_url: str) -> None:
        from webchat.serve import make_server

        self.server = make_server("127.0.0.1", 0, rasa_url, quiet=True)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()



def chrome(user_data_dir: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(f"need Debian chromium + chromium-driver ({CHROMIUM}, {CHROMEDRIVER})")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={user_data_dir}",
    ):
        opts.add_argument(flag)
    opts.add_experimental_option("mobileEmulation", {"deviceMetrics": MOBILE, "userAgent": MOBILE_UA})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(60)
    return drv



class TcpProxy:
    """Byte-level TCP forwarder 127.0.0.1:<port> -> target; stop() drops every connection."""

    def __init__(self, target_url: str, port: Optional[int] = None) -> None:
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._conns: List[socket.socket] = []
        self._listener: Optional[socket.socket] = None

    def start(self) -> None:
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.time() + 10
        while True:
            try:
                lst.bind(("127.0.0.1", self.port))
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        lst.listen(64)
        self._listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def _accept(self, lst: socket.socket) -> None:
        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._listener:
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()



class ChatPage:
    """Small page-object over the widget DOM (ids/classes from webchat/public/index.html)."""

    def __init__(self, driver, url: str) -> None:
        self.d = driver
        self.url = url

    def open(self, fresh: bool = True, timeout: float = 60) -> "ChatPage":
        if fresh:
            self.d.get(self.url + "healthz")  # same origin: clear the stored session first
            self.d.execute_script("localStorage.clear()")
        self.d.get(self.url)
        self.wait(lambda d: d.execute_script("return document.documentElement.dataset.ready === '1'"),
                  timeout)
        return self

    def wait(self, cond, timeout: float = 90, msg: str = ""):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.d, timeout, poll_frequency=0.2).until(cond, msg)

    def wait_online(self, timeout: float = 60) -> None:
        self.wait(lambda d: d.execute_script("return document.documentElement.dataset.conn === 'online'"),
                  timeout, "socket never confirmed the session")

    def session(self) -> str:
        return self.d.execute_script("return localStorage.getItem('cpp.session')").strip('"')

    def texts(self, who: str) -> List[str]:
        sel = ".msg.bot:not(.greeting) .bubble" if who == "bot" else ".msg.user .bubble"
        return self.d.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)", sel)

    def send(self, text: str) -> int:
        """Types and sends; returns how many bot messages existed before."""
        from selenium.webdriver.common.by import By

        before = len(self.texts("bot"))
        box = self.d.find_element(By.ID, "input")
        box.clear()
        box.send_keys(text)
        self.d.find_element(By.ID, "send").click()
        return before

    def wait_bot(self, pred, after: int, timeout: float = 90) -> List[str]:
        """Waits until a bot message after index `after` satisfies pred(text); returns the new ones."""
        def check(_):
            new = self.texts("bot")[after:]
            return new if any(pred(t) for t in new) else False

        return self.wait(check, timeout, f"no matching bot reply; got {self.texts('bot')[after:]!r}")

    def wait_quiet(self, timeout: float = 90) -> None:
        """Outbox empty and typing indicator hidden (Rasa acknowledged the last message)."""
        self.wait(lambda d: d.execute_script(
            "return document.getElementById('typing').hidden && "
            "JSON.parse(localStorage.getItem('cpp.outbox') || '[]').length === 0"), timeout)

    def buttons(self):
        from selenium.webdriver.common.by import By

        return self.d.find_elements(By.CSS_SELECTOR, ".qr button")


# ------------------------------------------------------------------ fixtures
@pytest.fixture
def webchat_factory() -> Iterator[Callable[[str], WebchatServer]]:
    servers: List[WebchatServer] = []

    def make(rasa_url: str) -> WebchatServer:
        srv = WebchatServer(rasa_url)
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.close()


@pytest.fixture(scope="module")
def browser():
    tmp = tempfile.mkdtemp(prefix="webchat-chromium-")
    drv = chrome(tmp)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def tcp_proxy_factory():
    proxies: List[TcpProxy] = []

    def make(target_url: str) -> TcpProxy:
        p = TcpProxy(target_url)
        p.start()
        proxies.append(p)
        return p

    yield make
    for p in proxies:
        p.stop()
