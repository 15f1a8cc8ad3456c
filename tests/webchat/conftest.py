"""Fixtures for the web chat tests (helpers live in webchat_support.py)."""

from __future__ import annotations

import shutil
import tempfile
from typing import Callable, Iterator, List

import pytest

from webchat_support import TcpProxy, WebchatServer, chrome


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
