"""Tiny static server for the Chat Pak Polisi web widget (stdlib only).

    python -m webchat.serve [--host 127.0.0.1] [--port 8080] [--rasa-url http://127.0.0.1:5005]

Environment: WEBCHAT_HOST (default 127.0.0.1), WEBCHAT_PORT (default 8080),
RASA_URL (default http://127.0.0.1:5005) is the Rasa server the *browser* talks to
(socket.io channel + tracker REST API). WEBCHAT_RASA_PUBLIC_URL overrides it when the
browser must reach Rasa through another address than this process (reverse proxy).

Serves only the files under webchat/public/. `/config.json` is generated per request from
webchat/config.json (branding, greeting; operator-editable) plus the Rasa URL, so tests can point
the page at a Rasa server on any port. Text files are gzip-compressed when the client accepts it
(users are on patchy mobile data) and revalidated with ETag/Last-Modified.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import json
import mimetypes
import os
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Optional, Tuple
from urllib.parse import unquote, urlsplit

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


class ConfigError(ValueError):
    pass


def normalize_rasa_url(url: str) -> str:
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

    # set by make_server()
    rasa_url: str = DEFAULT_RASA_URL
    public_dir: Path = PUBLIC_DIR
    config_file: Path = CONFIG_FILE
    cache = _FileCache()
    quiet = False

    def log_message(self, fmt: str, *args: Any) -> None:  # noqa: D401
        if not self.quiet:
            sys.stderr.write("webchat: %s %s\n" % (self.address_string(), fmt % args))

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

    def do_POST(self) -> None:
        self._error(HTTPStatus.METHOD_NOT_ALLOWED)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # client went away (mobile data drops); not an error of ours
        super().handle_error(request, client_address)


def make_server(host: str, port: int, rasa_url: str, quiet: bool = False) -> ThreadingHTTPServer:
    rasa_url = normalize_rasa_url(rasa_url)
    load_config(rasa_url)  # fail fast on a broken config file
    handler = type("BoundWebchatHandler", (WebchatHandler,), {"rasa_url": rasa_url, "quiet": quiet})
    return _Server((host, port), handler)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Chat Pak Polisi web widget.")
    parser.add_argument("--host", default=os.environ.get("WEBCHAT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEBCHAT_PORT", "8080")))
    parser.add_argument(
        "--rasa-url",
        default=os.environ.get("WEBCHAT_RASA_PUBLIC_URL") or os.environ.get("RASA_URL") or DEFAULT_RASA_URL,
        help="Rasa base URL as seen by the browser (socket.io + tracker API)",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    try:
        server = make_server(args.host, args.port, args.rasa_url, quiet=args.quiet)
    except (ConfigError, OSError, ValueError) as exc:
        print(f"webchat: cannot start: {exc}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"webchat: serving http://{host}:{port}/ (Rasa at {server.RequestHandlerClass.rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
