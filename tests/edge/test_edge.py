"""The one public entrance: the test run's edge (Caddy from Debian, deploy/caddy/Caddyfile.dev,
started by `servers.py up` on a free port) in front of the REAL web chat server and the REAL Rasa
server. Public: the widget, socket.io (WebSocket and polling), Matrix; everything else is 404.
Rasa's HTTP API itself answers 401 without the token. Runs under .venv/bridge (aiohttp)."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from scripts import servers

# Paths that exist behind the edge (Rasa's HTTP API and channels, Synapse's admin API, the report
# API, the action server, the web chat server's health check) and must never be public.
BLOCKED = [
    ("GET", "/status"), ("GET", "/version"), ("GET", "/domain"),
    ("GET", "/conversations/edge-probe/tracker"), ("GET", "/conversations/edge-probe/story"),
    ("POST", "/conversations/edge-probe/trigger_intent"), ("POST", "/conversations/edge-probe/messages"),
    ("POST", "/conversations/edge-probe/tracker/events"), ("POST", "/conversations/edge-probe/execute"),
    ("POST", "/model/parse"), ("POST", "/model/train"), ("PUT", "/model"), ("DELETE", "/model"),
    ("POST", "/model/predict"), ("POST", "/model/test/intents"),
    ("POST", "/webhooks/rest/webhook"), ("GET", "/webhooks/rest/"), ("GET", "/webhooks/socketio/"),
    ("GET", "/_synapse/admin/v1/server_version"), ("POST", "/_synapse/admin/v1/register"),
    ("GET", "/_synapse/admin/v2/users"), ("GET", "/_synapse/metrics"),
    ("GET", "/v1/reports"), ("POST", "/v1/reports"), ("GET", "/v1/reports/LK-2026-000001"),
    ("GET", "/health"), ("POST", "/webhook"), ("GET", "/actions"),
    ("GET", "/.well-known/matrix/support"), ("GET", "/robots.txt"), ("GET", "/.git/config"),
]
# Raw request targets a browser would never send: dot segments and encoded dots must not smuggle
# a request past the path rules (Caddy matches on the cleaned path).
SMUGGLED = ["/socket.io/../status", "/socket.io/%2e%2e/status", "/socket.io/%2E%2E/model/parse",
            "/_matrix/../_synapse/admin/v1/server_version", "/_synapse/client/../admin/v1/server_version",
            "/vendor/../../conversations/x/tracker", "/history/../status", "//status",
            "/socket.io/..%2fstatus"]


def request(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def raw_get(base: str, target: str) -> int:
    """Sends the request target byte for byte (urllib would normalise it); returns the status."""
    u = urlsplit(base)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


@pytest.mark.parametrize("method,path", BLOCKED, ids=[f"{m} {p}" for m, p in BLOCKED])
def test_blocked_path_answers_404_through_the_edge(edge_url, method, path):
    body = b"{}" if method in ("POST", "PUT") else None
    status, data, headers = request(method, edge_url + path, body)
    assert status == 404, (status, data[:200])
    assert data == b"404 Not Found"  # the edge's own answer, not an upstream's
    # with Rasa's token the API is still not public
    assert request(method, servers.with_token(edge_url + path), body)[0] == 404
    assert "Server" not in headers


def test_blocked_rasa_paths_are_real_behind_the_edge(rasa_url):
    """Not a vacuous 404: the same paths answer on Rasa's own (loopback) port."""
    assert request("GET", servers.with_token(rasa_url + "/status"))[0] == 200
    assert request("GET", servers.with_token(rasa_url + "/conversations/edge-probe/tracker"))[0] == 200
    assert request("GET", rasa_url + "/webhooks/rest/")[0] == 200


@pytest.mark.parametrize("target", SMUGGLED)
def test_dot_segments_do_not_reach_the_api(edge_url, target):
    assert raw_get(edge_url, target) == 404


def test_rasa_api_answers_401_without_token_and_200_with_it(rasa_url):
    token = os.environ["RASA_TOKEN"]
    parse = json.dumps({"text": "berapa biaya skck"}).encode()
    for method, path, body in (("GET", "/status", None), ("GET", "/conversations/tok-probe/tracker", None),
                               ("POST", "/model/parse", parse), ("GET", "/domain", None)):
        assert request(method, rasa_url + path, body)[0] == 401, path
        assert request(method, f"{rasa_url}{path}?token=wrong-{token[:4]}", body)[0] == 401, path
        status, data, _ = request(method, f"{rasa_url}{path}?token={token}", body)
        assert status == 200, (path, data[:200])
    intent = json.loads(request("POST", f"{rasa_url}/model/parse?token={token}", parse)[1])["intent"]
    assert intent["name"].startswith("skck_")
    # The REST channel stays open on loopback for internal clients (the Matrix bridge)
    status, data, _ = request("POST", rasa_url + "/webhooks/rest/webhook",
                              json.dumps({"sender": "tok-rest", "message": "halo"}).encode())
    assert status == 200 and json.loads(data)


def test_widget_and_discovery_are_public(edge_url):
    status, html, headers = request("GET", edge_url + "/")
    assert status == 200 and b'src="widget.js"' in html
    assert "connect-src 'self';" in headers["Content-Security-Policy"]
    for asset in ("/widget.js", "/widget.css", "/favicon.svg", "/vendor/socket.io.min.js", "/index.html"):
        assert request("GET", edge_url + asset)[0] == 200, asset
    config = json.loads(request("GET", edge_url + "/config.json")[1])
    assert config["rasaUrl"] == ""  # the widget connects to socket.io on its own origin
    assert request("POST", edge_url + "/config.json", b"{}")[0] == 405
    status, data, headers = request("GET", edge_url + "/.well-known/matrix/client")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(data) == {"m.homeserver": {"base_url": edge_url + "/"}}
    assert headers["Access-Control-Allow-Origin"] == "*"  # Element on another origin reads it
    status, data, _ = request("GET", edge_url + "/.well-known/matrix/server")
    assert status == 200 and json.loads(data) == {"m.server": urlsplit(edge_url).netloc}


def test_socketio_polling_through_the_edge(edge_url):
    status, data, _ = request("GET", edge_url + "/socket.io/?EIO=4&transport=polling")
    assert status == 200 and data.startswith(b"0") and b'"sid"' in data
    assert b'"websocket"' in data  # the handshake offers the upgrade


def test_socketio_websocket_through_the_edge_answers_a_question(edge_url):
    """Engine.IO v4 / Socket.IO v5 over a WebSocket upgraded by the edge, a real question, a real
    answer from the knowledge base."""
    ws_url = edge_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    session = f"edge-ws-{os.urandom(4).hex()}"

    async def scenario() -> list[str]:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(ws_url, timeout=30) as ws:
                opened = await ws.receive_str(timeout=30)
                assert opened.startswith("0") and "pingInterval" in opened
                await ws.send_str("40")
                while not (await ws.receive_str(timeout=30)).startswith("40"):
                    pass
                await ws.send_str('42["session_request",' + json.dumps({"session_id": session}) + "]")
                await ws.send_str('42["user_uttered",' + json.dumps(
                    {"message": "berapa biaya skck", "session_id": session}) + "]")
                texts: list[str] = []
                while not any("Rp30.000" in t for t in texts):
                    msg = await ws.receive_str(timeout=120)
                    if msg == "2":  # engine.io ping
                        await ws.send_str("3")
                    elif msg.startswith("42"):
                        event, *args = json.loads(msg[2:])
                        if event == "bot_uttered":
                            texts.append(args[0].get("text") or "")
                return texts

    texts = asyncio.run(scenario())
    assert any("Rp30.000" in t for t in texts), texts


def test_edge_listens_on_loopback_only(edge_url):
    port = urlsplit(edge_url).port
    listeners = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.rsplit(":", 1)
            if state == "0A" and int(p, 16) == port:  # LISTEN
                listeners.append(addr)
    assert listeners == ["0100007F"], listeners  # 127.0.0.1 only


def test_rasa_token_file_is_created_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    monkeypatch.setattr(servers, "RASA_TOKEN_FILE", tmp_path / "rasa" / "api.token")
    first = servers.rasa_token()
    assert len(first) >= 40
    assert stat.S_IMODE(servers.RASA_TOKEN_FILE.stat().st_mode) == 0o600
    assert servers.rasa_token() == first  # stable across restarts
    servers.RASA_TOKEN_FILE.chmod(0o644)  # loosened by hand: tightened again on the next read
    assert servers.rasa_token() == first
    assert stat.S_IMODE(servers.RASA_TOKEN_FILE.stat().st_mode) == 0o600
    monkeypatch.setenv("RASA_TOKEN", "from-the-environment")
    assert servers.rasa_token() == "from-the-environment"
    assert servers.with_token("http://x/status?a=1") == "http://x/status?a=1&token=from-the-environment"


def test_edge_adds_no_fixed_delay(edge_url):
    """Regression: the web chat server wrote headers and body separately, and on the edge's
    kept-alive upstream connection Nagle + delayed ACK held each response ~40 ms."""
    import http.client
    import statistics
    import time

    u = urlsplit(edge_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        conn.request("GET", "/config.json")
        resp = conn.getresponse()
        resp.read()
        times.append((time.perf_counter() - t0) * 1000)
        assert resp.status == 200
    conn.close()
    assert statistics.median(times) < 25, sorted(times)


def test_rasa_token_is_on_no_command_line(rasa_url):
    """Every local user can read any process's command line (`ps`); the token reaches Rasa in its
    environment (scripts/servers.py, scripts/rasa_workers.py), which only its owner can read."""
    token = os.environ["RASA_TOKEN"]
    assert request("GET", f"{rasa_url}/status?token={token}")[0] == 200  # that Rasa runs with it
    seen = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes()
        except OSError:
            continue
        if token.encode() in args:
            seen.append(args.replace(b"\0", b" ")[:200])
    assert not seen, seen
