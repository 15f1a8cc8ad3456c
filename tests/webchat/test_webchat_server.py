"""webchat/serve.py and webchat/config.json, over real HTTP (no browser, no Rasa needed)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
from pathlib import Path

import pytest

from devtools.net import free_port

from webchat_support import (
    REPO,
    webchat_factory,  # noqa: F401  (pytest fixtures)
)

DEAD = free_port()  # nothing listens there

CONFIG = json.loads((REPO / "webchat" / "config.json").read_text(encoding="utf-8"))


def get(srv, path, headers=None, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


@pytest.fixture
def srv(webchat_factory):
    return webchat_factory(f"http://127.0.0.1:{DEAD}/")


def test_config_json_carries_rasa_url_and_branding(srv):
    resp, body = get(srv, "/config.json")
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("application/json")
    assert resp.getheader("Cache-Control") == "no-store"
    cfg = json.loads(body)
    assert cfg["rasaUrl"] == f"http://127.0.0.1:{DEAD}"  # trailing slash normalised
    assert cfg["brand"]["name"] == CONFIG["brand"]["name"]
    assert not [k for k in cfg if k.startswith("_")], "private keys must not reach the browser"


def test_static_files_gzip_etag_and_security_headers(srv):
    resp, raw = get(srv, "/widget.js")
    assert resp.status == 200 and resp.getheader("Content-Encoding") is None
    assert raw == (REPO / "webchat" / "public" / "widget.js").read_bytes()
    resp, body = get(srv, "/widget.js", {"Accept-Encoding": "gzip, deflate"})
    assert resp.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == raw and len(body) < len(raw) / 2
    etag = resp.getheader("ETag")
    resp, body = get(srv, "/widget.js", {"If-None-Match": etag})
    assert resp.status == 304 and body == b""
    resp, _ = get(srv, "/")
    csp = resp.getheader("Content-Security-Policy")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert f"connect-src 'self' http://127.0.0.1:{DEAD} ws://127.0.0.1:{DEAD}" in csp
    assert resp.getheader("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("path", [
    "/../serve.py", "/%2e%2e/serve.py", "/..%2fconfig.json", "/vendor/../../serve.py",
    "/serve.py", "/__init__.py", "/nope.js", "//etc/passwd",
])
def test_only_public_files_are_served(srv, path):
    resp, body = get(srv, path)
    assert resp.status == 404, (path, body[:80])


def test_vendored_socketio_is_present_with_license():
    vendor = REPO / "webchat" / "public" / "vendor"
    js = (vendor / "socket.io.min.js").read_text(encoding="utf-8")
    version = (vendor / "VERSION").read_text().split()[-1]
    assert f"Socket.IO v{version}" in js[:200]
    assert "MIT" in (vendor / "socket.io-client.LICENSE").read_text()
    lock = json.loads((REPO / "webchat" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/socket.io-client"]["version"] == version
    assert "sourceMappingURL" not in js  # the .map is not shipped
    html = (REPO / "webchat" / "public" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"src=\"(https?:)?//", html), "no CDN: every asset is served locally"


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    chans = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("fg,bg", [
    ("onPrimary", "primary"), ("onAccent", "accent"), ("text", "background"), ("text", "surface"),
    ("muted", "background"), ("muted", "surface"), ("onUserBubble", "userBubble"),
    ("onBotBubble", "botBubble"), ("primary", "surface"), ("primary", "botBubble"),
])
def test_configured_colours_meet_wcag_aa_contrast(fg, bg):
    c = CONFIG["brand"]["colors"]
    ratio = contrast(c[fg], c[bg])
    assert ratio >= 4.5, f"{fg} {c[fg]} on {bg} {c[bg]}: {ratio:.2f}:1 < 4.5:1"


def test_greeting_says_what_the_bot_does_and_refuses():
    text = "\n".join(CONFIG["greeting"]).lower()
    for topic in ("sim", "skck", "pasal", "laporan polisi"):
        assert topic in text
    for refused in ("gaji", "pribadi", "di luar"):
        assert refused in text
    assert "110" in text and "112" in text
    numbers = [e["number"] for e in CONFIG["emergency"]]
    assert "110" in numbers and "112" in numbers


def test_bad_config_fails_fast(tmp_path: Path):
    from webchat.serve import ConfigError, load_config

    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({"brand": {}}))
    with pytest.raises(ConfigError):
        load_config("http://127.0.0.1:5005", bad)
    with pytest.raises(ConfigError):
        load_config("javascript:alert(1)", REPO / "webchat" / "config.json")


def test_history_rejects_bad_ids_and_reports_rasa_down(srv):
    resp, _ = get(srv, "/history/..%2f..%2fstatus")
    assert resp.status == 404
    resp, _ = get(srv, "/history/short")
    assert resp.status == 404
    resp, _ = get(srv, "/history/" + "a" * 32)
    assert resp.status == 502


def test_chat_history_keeps_only_what_the_chat_shows():
    from webchat.serve import chat_history

    tracker = {"sender_id": "x", "slots": {"nama_pelapor": "Budi", "telepon": "0812"}, "events": [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "user", "text": "/sim_pilih_jenis", "parse_data": {"intent": {"name": "sim_pilih_jenis"}},
         "metadata": {"display_text": "SIM C", "client_msg_id": "abc", "other": "x"},
         "input_channel": "socketio"},
        {"event": "slot", "name": "telepon", "value": "0812"},
        {"event": "bot", "text": "Pilih golongan", "metadata": {"utter_action": "utter_x"},
         "data": {"buttons": [{"title": "C", "payload": "/c", "extra": 1}], "custom": {"secret": 1}}},
    ]}
    assert chat_history(tracker) == {"events": [
        {"event": "user", "text": "/sim_pilih_jenis",
         "metadata": {"display_text": "SIM C", "client_msg_id": "abc"}},
        {"event": "bot", "text": "Pilih golongan", "data": {"buttons": [{"title": "C", "payload": "/c"}]}},
    ]}


def test_behind_the_edge_same_origin_and_history_with_token():
    """`make run` mode: the browser reaches socket.io on the page's own origin (the edge), and
    /history reads Rasa's tracker with the API token, which never reaches the browser."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    from webchat.serve import make_server

    seen = []

    class FakeRasa(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append(self.path)
            ok = parse_qs(urlsplit(self.path).query).get("token") == ["s3cret-token"]
            body = json.dumps({"events": [{"event": "user", "text": "halo"}]} if ok else {}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    rasa = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    web = make_server("127.0.0.1", 0, "", quiet=True, rasa_internal_url=f"http://127.0.0.1:{rasa.server_address[1]}",
                      rasa_token="s3cret-token")
    threading.Thread(target=web.serve_forever, daemon=True).start()

    class Srv:
        port = web.server_address[1]

    try:
        resp, body = get(Srv, "/config.json")
        assert json.loads(body)["rasaUrl"] == ""
        assert "s3cret" not in body.decode()
        csp = get(Srv, "/")[0].getheader("Content-Security-Policy")
        assert "connect-src 'self';" in csp
        resp, body = get(Srv, "/history/abcdef0123456789")
        assert resp.status == 200 and json.loads(body) == {"events": [{"event": "user", "text": "halo"}]}
        assert "s3cret" not in body.decode()
        assert seen == ["/conversations/abcdef0123456789/tracker?token=s3cret-token"]
    finally:
        web.shutdown()
        web.server_close()
        rasa.shutdown()
        rasa.server_close()
