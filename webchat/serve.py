"""Tiny static server for the Chat Pak Polisi web widget (stdlib only).

    python -m webchat.serve [--host 127.0.0.1] [--port 8081] [--rasa-internal-url URL] [--rasa-url URL]

It runs behind the edge (deploy/caddy, `make run`: http://127.0.0.1:8080), which serves this page
and Rasa's socket.io channel on ONE origin: by default the browser connects to socket.io on the
page's own origin. Environment: WEBCHAT_HOST (default 127.0.0.1), WEBCHAT_PORT (default 8081),
RASA_URL (default http://127.0.0.1:5005): Rasa as this process reaches it, to read the tracker
(HTTP API) for `/history/<id>`. RASA_TOKEN: Rasa's --auth-token (never sent to the browser).
WEBCHAT_RASA_PUBLIC_URL / --rasa-url: only when the browser must reach socket.io on another origin
(no edge in front, e.g. some tests); empty = same origin.

Serves only the files under webchat/public/, plus:
- `/config.json`, generated per request from webchat/config.json (branding, greeting;
  operator-editable) and the Rasa URL, so tests can point the page at any Rasa server;
- `/history/<session id>`: the conversation's user/bot messages from Rasa's tracker, stripped of
  slots, intents and entities (the browser never needs Rasa's HTTP API or CORS for this).
Text files are gzip-compressed when the client accepts it (users are on patchy mobile data) and
revalidated with ETag.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import json
import mimetypes
import os
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Optional, Tuple
from urllib.parse import unquote, urlsplit

from privacy.masking import mask_codes, mask_text

PACKAGE_DIR = Path(__file__).resolve().parent
PUBLIC_DIR = PACKAGE_DIR / "public"
CONFIG_FILE = PACKAGE_DIR / "config.json"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"

TEXT_TYPES = {".html", ".js", ".css", ".json", ".svg", ".txt", ".webmanifest"}
MIME_OVERRIDES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}
REQUIRED_CONFIG_KEYS = ("brand", "greeting", "emergency")
SENDER_RE = re.compile(r"^[0-9A-Za-z_-]{8,64}$")


def chat_history(tracker: Dict[str, Any]) -> Dict[str, Any]:
    """Only what the chat window shows: user/bot texts and buttons. Slots, intents, entities and
    other tracker internals (which may hold personal data from a report) never reach the browser."""
    events = []
    for ev in tracker.get("events") or []:
        kind = ev.get("event")
        if kind == "user":
            md = ev.get("metadata") or {}
            item: Dict[str, Any] = {"event": "user", "text": ev.get("text") or ""}
            keep = {k: md[k] for k in ("display_text", "client_msg_id") if isinstance(md.get(k), str)}
            if keep:
                item["metadata"] = keep
            events.append(item)
        elif kind == "bot":
            data = ev.get("data") or {}
            item = {"event": "bot", "text": ev.get("text") or ""}
            buttons = data.get("buttons") or data.get("quick_replies") or []
            slim = {}
            if isinstance(buttons, list) and buttons:
                slim["buttons"] = [
                    {"title": b.get("title"), "payload": b.get("payload")}
                    for b in buttons if isinstance(b, dict)
                ]
            if isinstance(data.get("image"), str):
                slim["image"] = data["image"]
            if slim:
                item["data"] = slim
            events.append(item)
    return {"events": events}


class ConfigError(ValueError):
    pass


def normalize_rasa_url(url: Optional[str]) -> str:
    """'' (or None) means the page's own origin (behind the edge)."""
    if not url or not url.strip():
        return ""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"RASA URL must be http(s)://host[:port], got {url!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def load_config(rasa_url: str, config_file: Path = CONFIG_FILE) -> Dict[str, Any]:
    """Branding config from disk + the Rasa URL the browser should use."""
    with open(config_file, encoding="utf-8") as fh:
        config = json.load(fh)
    if not isinstance(config, dict):
        raise ConfigError(f"{config_file} must hold a JSON object")
    missing = [k for k in REQUIRED_CONFIG_KEYS if k not in config]
    if missing:
        raise ConfigError(f"{config_file} lacks keys: {', '.join(missing)}")
    config = {k: v for k, v in config.items() if not k.startswith("_")}
    config["rasaUrl"] = normalize_rasa_url(rasa_url)
    return config


def content_security_policy(rasa_url: str) -> str:
    if not rasa_url:  # same origin: 'self' covers ws(s):// to this host too (CSP level 3)
        return ("default-src 'self'; connect-src 'self'; "
                "script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "base-uri 'none'; form-action 'self'; object-src 'none'")
    parts = urlsplit(rasa_url)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    origin = f"{parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; "
        f"connect-src 'self' {origin} {ws_scheme}://{parts.netloc}; "
        "script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"
    )


class _FileCache:
    """(path, mtime, size) -> (raw bytes, gzip bytes, etag). Files are small."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: Dict[Tuple[str, int, int], Tuple[bytes, Optional[bytes], str]] = {}

    def get(self, path: Path, st: os.stat_result) -> Tuple[bytes, Optional[bytes], str]:
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            hit = self._data.get(key)
        if hit:
            return hit
        raw = path.read_bytes()
        gz = None
        if path.suffix in TEXT_TYPES and len(raw) > 256:
            gz = gzip.compress(raw, compresslevel=9, mtime=0)
        etag = '"' + hashlib.sha1(raw).hexdigest()[:20] + '"'
        with self._lock:
            self._data[key] = (raw, gz, etag)
        return raw, gz, etag


class WebchatHandler(BaseHTTPRequestHandler):
    server_version = "webchat"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; on the edge's kept-alive upstream connection Nagle's
    # algorithm + delayed ACK held the body back ~40 ms per response (measured: bench_edge.py).
    disable_nagle_algorithm = True

    # set by make_server()
    rasa_url: str = DEFAULT_RASA_URL        # as seen by the browser (socket.io)
    rasa_internal_url: str = DEFAULT_RASA_URL  # as seen by this process (tracker API)
    rasa_token: Optional[str] = None
    public_dir: Path = PUBLIC_DIR
    config_file: Path = CONFIG_FILE
    cache = _FileCache()
    quiet = False

    def log_message(self, fmt: str, *args: Any) -> None:  # noqa: D401
        if not self.quiet:
            line = mask_codes(mask_text(fmt % args))  # no NIK/phone/e-mail/code in the log
            sys.stderr.write("webchat: %s %s\n" % (self.address_string(), line))

    # -- helpers ---------------------------------------------------------------------------
    def _common_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", content_security_policy(self.rasa_url))

    def _send_body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        gz: Optional[bytes] = None,
        etag: Optional[str] = None,
        last_modified: Optional[float] = None,
        cache: str = "no-cache",
        head: bool = False,
    ) -> None:
        use_gz = gz is not None and "gzip" in self.headers.get("Accept-Encoding", "")
        payload = gz if use_gz else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", cache)
        if gz is not None:
            self.send_header("Vary", "Accept-Encoding")
        if use_gz:
            self.send_header("Content-Encoding", "gzip")
        if etag:
            self.send_header("ETag", etag)
        if last_modified is not None:
            self.send_header("Last-Modified", email.utils.formatdate(last_modified, usegmt=True))
        self._common_headers()
        self.end_headers()
        if not head:
            self.wfile.write(payload)

    def _error(self, status: HTTPStatus, head: bool = False) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self._send_body(status, body, "text/plain; charset=utf-8", cache="no-store", head=head)

    def _resolve(self, url_path: str) -> Optional[Path]:
        rel = unquote(url_path).lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if "\x00" in rel or any(p in ("..", "") for p in rel.split("/")):
            return None
        candidate = (self.public_dir / rel).resolve()
        try:
            candidate.relative_to(self.public_dir.resolve())
        except ValueError:
            return None
        if any(part.startswith(".") for part in candidate.relative_to(self.public_dir.resolve()).parts):
            return None
        return candidate if candidate.is_file() else None

    # -- verbs -----------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_GET(self) -> None:
        self._handle(head=False)

    def _handle(self, head: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/config.json":
            try:
                config = load_config(self.rasa_url, self.config_file)
            except (OSError, ValueError) as exc:
                self.log_message("config error: %s", exc)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, head)
                return
            body = json.dumps(config, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            gz = gzip.compress(body, mtime=0) if len(body) > 256 else None
            self._send_body(HTTPStatus.OK, body, MIME_OVERRIDES[".json"], gz=gz, cache="no-store", head=head)
            return
        if path.startswith("/history/"):
            self._history(path[len("/history/"):], head)
            return
        if path == "/favicon.ico":  # browsers ask for it even with <link rel=icon>
            self.send_response(HTTPStatus.NO_CONTENT)
            self.send_header("Cache-Control", "max-age=86400")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/healthz":
            self._send_body(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8", cache="no-store", head=head)
            return
        file_path = self._resolve(path)
        if file_path is None:
            self._error(HTTPStatus.NOT_FOUND, head)
            return
        st = file_path.stat()
        raw, gz, etag = self.cache.get(file_path, st)
        if etag in [t.strip() for t in self.headers.get("If-None-Match", "").split(",")]:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Content-Length", "0")
            self._common_headers()
            self.end_headers()
            return
        ctype = MIME_OVERRIDES.get(file_path.suffix) or (
            mimetypes.guess_type(file_path.name)[0] or "application/octet-stream"
        )
        self._send_body(
            HTTPStatus.OK, raw, ctype, gz=gz, etag=etag, last_modified=st.st_mtime, head=head
        )

    def _history(self, sender: str, head: bool) -> None:
        if not SENDER_RE.match(sender):
            self._error(HTTPStatus.NOT_FOUND, head)
            return
        url = f"{self.rasa_internal_url}/conversations/{sender}/tracker"
        if self.rasa_token:
            url += "?" + urllib.parse.urlencode({"token": self.rasa_token})
        try:
            with urllib.request.urlopen(url, timeout=8) as resp:
                tracker = json.loads(resp.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            self.log_message("history: Rasa tracker unavailable: %s", exc)
            self._error(HTTPStatus.BAD_GATEWAY, head)
            return
        body = json.dumps(chat_history(tracker), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        gz = gzip.compress(body, mtime=0) if len(body) > 256 else None
        self._send_body(HTTPStatus.OK, body, MIME_OVERRIDES[".json"], gz=gz, cache="no-store", head=head)

    def do_POST(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # client went away (mobile data drops); not an error of ours
        super().handle_error(request, client_address)


def make_server(
    host: str,
    port: int,
    rasa_url: str,
    quiet: bool = False,
    rasa_internal_url: Optional[str] = None,
    rasa_token: Optional[str] = None,
) -> ThreadingHTTPServer:
    """rasa_url: Rasa as the browser reaches it (socket.io); rasa_internal_url: as this process
    reaches it for /history (defaults to rasa_url); rasa_token: Rasa's --auth-token, if any."""
    rasa_url = normalize_rasa_url(rasa_url)
    internal = normalize_rasa_url(rasa_internal_url or rasa_url or DEFAULT_RASA_URL)
    load_config(rasa_url)  # fail fast on a broken config file
    handler = type(
        "BoundWebchatHandler",
        (WebchatHandler,),
        {"rasa_url": rasa_url, "rasa_internal_url": internal, "rasa_token": rasa_token or None,
         "quiet": quiet},
    )
    return _Server((host, port), handler)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Chat Pak Polisi web widget.")
    parser.add_argument("--host", default=os.environ.get("WEBCHAT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEBCHAT_PORT", "8081")))
    internal = os.environ.get("RASA_URL") or DEFAULT_RASA_URL
    parser.add_argument(
        "--rasa-url",
        default=os.environ.get("WEBCHAT_RASA_PUBLIC_URL") or "",
        help="Rasa base URL as seen by the browser (socket.io channel); default: the page's own "
             "origin (the edge serves both)",
    )
    parser.add_argument(
        "--rasa-internal-url", default=internal,
        help="Rasa base URL as seen by this server (tracker API for /history)",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    try:
        server = make_server(
            args.host, args.port, args.rasa_url, quiet=args.quiet,
            rasa_internal_url=args.rasa_internal_url, rasa_token=os.environ.get("RASA_TOKEN"),
        )
    except (ConfigError, OSError, ValueError) as exc:
        print(f"webchat: cannot start: {exc}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    h = server.RequestHandlerClass
    print(f"webchat: serving http://{host}:{port}/ (browser -> Rasa {h.rasa_url or 'same origin'}; "
          f"history from {h.rasa_internal_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
