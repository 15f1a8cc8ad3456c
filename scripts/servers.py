#!/usr/bin/env python3
"""Starts and stops the project's processes. Standard library only, so that both venvs
(and the system Python) can import it: `make run`, `make test` and the pytest fixtures
all start servers through this one module. From the repository root:

    python3 -m scripts.servers run            # make run: everything on the default ports
                                              # (scripts/run_stack.py; WORKERS=N: N Rasa workers)
    python3 -m scripts.servers up STATE.json  # make test: Rasa + actions + web chat + edge on free ports
    python3 -m scripts.servers down STATE.json
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import var_layout
from devtools.net import free_port
from scripts.supervise import Stack
from var_layout import ROOT

VENV = ROOT / ".venv"
RASA = VENV / "rasa" / "bin" / "rasa"
RASA_TOKEN_FILE = var_layout.RASA_API_TOKEN
CADDY = os.environ.get("CADDY_BIN", "caddy")
EDGE_CONFIG = ROOT / "deploy" / "caddy" / "Caddyfile.dev"


def rasa_token() -> str:
    """Rasa's --auth-token: RASA_TOKEN if set, else var/rasa/api.token, generated (mode 0600) on
    first use. Every internal caller of Rasa's HTTP API passes it (`?token=`)."""
    if os.environ.get("RASA_TOKEN"):
        return os.environ["RASA_TOKEN"]
    if RASA_TOKEN_FILE.exists() and RASA_TOKEN_FILE.read_text().strip():
        if RASA_TOKEN_FILE.stat().st_mode & 0o077:  # e.g. written by hand: owner-only again
            RASA_TOKEN_FILE.chmod(0o600)
        return RASA_TOKEN_FILE.read_text().strip()
    RASA_TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(32)  # hex: never starts with "-" (a CLI option)
    fd = os.open(RASA_TOKEN_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(token + "\n")
    return token


def with_token(url: str, token: str | None = None) -> str:
    """url + Rasa's API token as the `token` query parameter (the only form Rasa accepts)."""
    token = token or rasa_token()
    return f"{url}{'&' if '?' in url else '?'}token={token}"


def current_model() -> Path:
    """RASA_MODEL if set (the model a test run just trained), else the model the current
    config, domain and data map to (scripts/train.sh --path)."""
    if os.environ.get("RASA_MODEL"):
        return Path(os.environ["RASA_MODEL"]).resolve()
    out = subprocess.run([str(ROOT / "scripts" / "train.sh"), "--path"], capture_output=True,
                         text=True, check=True).stdout.strip()
    return ROOT / out


SQL_TRACKER_STORE = "privacy.tracker_store.MaskedSQLTrackerStore"
REDIS_TRACKER_STORE = "privacy.tracker_store.MaskedRedisTrackerStore"
REDIS_LOCK_STORE = "rasa_stores.lock_store.AtomicRedisLockStore"  # atomic tickets across workers


def write_endpoints(path: Path, actions_url: str, tracker_db: Path | None = None,
                    redis_url: str | None = None, sql_url: str | None = None) -> Path:
    """Writes a Rasa endpoints file. Tracker store: SQLite by default, PostgreSQL when sql_url
    (postgresql://user[:password]@host[:port]/db) is given, else Redis when redis_url
    (redis://[:password@]host:port/db) is given. Lock store: Redis whenever redis_url is given
    (needed by several workers; rasa_stores/lock_store.py, whose ticket operations are atomic
    across workers, unlike Rasa's `type: redis`), else in memory. The tracker stores are the masking,
    self-purging ones of privacy/tracker_store.py (docs/privacy.md)."""
    lines = ["action_endpoint:", f'  url: "{actions_url}/webhook"', ""]
    redis_common = []
    if redis_url:
        u = urlparse(redis_url)
        db = (u.path or "/0").lstrip("/") or "0"
        redis_common = [f"  url: {u.hostname or '127.0.0.1'}", f"  port: {u.port or 6379}", f"  db: {db}"]
        if u.password:
            redis_common.append(f'  password: "{u.password}"')
    if sql_url:
        u = urlparse(sql_url)
        if u.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"tracker database URL must start with postgresql://, not {u.scheme}://")
        lines += ["tracker_store:", f"  type: {SQL_TRACKER_STORE}", "  dialect: postgresql",
                  f"  url: {u.hostname or '127.0.0.1'}", f"  port: {u.port or 5432}",
                  f"  db: {(u.path or '/').lstrip('/') or 'postgres'}",
                  f"  username: {u.username or 'postgres'}"]
        if u.password:
            lines.append(f'  password: "{u.password}"')
        lines.append("")
    elif redis_url:
        lines += ["tracker_store:", f"  type: {REDIS_TRACKER_STORE}", *redis_common, ""]
    else:
        db_path = tracker_db or var_layout.TRACKER_DB
        db_path.parent.mkdir(parents=True, exist_ok=True)
        lines += ["tracker_store:", f"  type: {SQL_TRACKER_STORE}", "  dialect: sqlite",
                  f"  db: {db_path}", ""]
    lock = [f"  type: {REDIS_LOCK_STORE}", *redis_common] if redis_url else ["  type: in_memory"]
    lines += ["lock_store:", *lock]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


ASSISTANT_ENV = {"SANIC_HOST": "127.0.0.1", "SANIC_KEEP_ALIVE_TIMEOUT": "75"}


def launch_actions(stack: Stack, port: int, extra_env: dict | None = None) -> str:
    """Starts the rasa-sdk action server on 127.0.0.1:port without waiting; returns its URL."""
    url = f"http://127.0.0.1:{port}"
    stack.start("actions", [str(RASA), "run", "actions", "--actions", "actions", "-p", str(port)],
                       {**ASSISTANT_ENV, **(extra_env or {})}, health=f"{url}/health", timeout=120)
    return url


def start_actions(stack: Stack, port: int, extra_env: dict | None = None) -> str:
    """Starts the rasa-sdk action server on 127.0.0.1:port; returns its URL once healthy."""
    url = launch_actions(stack, port, extra_env)
    stack.wait_ready("actions", "action server")
    print(f"    action server ready: {url}", flush=True)
    return url


def rasa_command(port: int, endpoints: Path, model: Path) -> list[str]:
    """`rasa run` (REST + socket.io, --enable-api) on 127.0.0.1:port through scripts/rasa_workers.py
    (with workers > 1 they share one preloaded model). The API token is not on the command line,
    which every local user can read (`ps`): launch_rasa passes it in RASA_AUTH_TOKEN."""
    return [str(VENV / "rasa" / "bin" / "python"), "-m", "scripts.rasa_workers",
            "run", "--enable-api", "--cors", "*",
            "-i", "127.0.0.1", "-p", str(port), "--model", str(model),
            "--credentials", str(ROOT / "rasa_project" / "credentials.yml"), "--endpoints", str(endpoints)]


def launch_rasa(stack: Stack, port: int, endpoints: Path, model: Path, name: str = "rasa",
                extra_env: dict | None = None, token: str | None = None, workers: int = 1) -> str:
    """Starts Rasa on 127.0.0.1:port without waiting for the model; returns its URL. workers > 1
    needs a Redis lock store in `endpoints` (Rasa refuses several workers with an in-memory one)."""
    if not model.exists():
        raise FileNotFoundError(f"model {model} not found; run `make train` first")
    url = f"http://127.0.0.1:{port}"
    token = token or rasa_token()
    env = {**ASSISTANT_ENV, **(extra_env or {}), "RASA_AUTH_TOKEN": token}
    if workers > 1:
        env["SANIC_WORKERS"] = str(workers)
    stack.start(name, rasa_command(port, endpoints, model), env,
                health=with_token(f"{url}/status", token), timeout=400)
    return url


def start_rasa(stack: Stack, port: int, endpoints: Path, model: Path, name: str = "rasa",
               extra_env: dict | None = None, token: str | None = None, workers: int = 1) -> str:
    """Starts Rasa (REST + socket.io channels, --enable-api behind --auth-token) on
    127.0.0.1:port; returns its URL once the model is loaded (about two minutes on 2 cores)."""
    url = launch_rasa(stack, port, endpoints, model, name, extra_env, token, workers)
    stack.wait_ready(name, f"{name} (loading a model takes about 2 minutes)")
    print(f"    {name} ready: {url}", flush=True)
    return url


def start_assistant(stack: Stack, rasa_port: int, actions_port: int, endpoints: Path,
                    model: Path, extra_env: dict | None = None) -> tuple[str, str]:
    """Starts the action server, then Rasa; returns (rasa_url, actions_url)."""
    actions_url = start_actions(stack, actions_port, extra_env)
    return start_rasa(stack, rasa_port, endpoints, model, extra_env=extra_env), actions_url


def start_webchat(stack: Stack, port: int, rasa_url: str, token: str | None = None) -> str:
    """Starts the web chat server on 127.0.0.1:port (behind the edge: the browser reaches
    socket.io on the page's own origin); it reads /history from Rasa's API with the token."""
    url = f"http://127.0.0.1:{port}"
    stack.start("webchat", [sys.executable, "-m", "webchat.serve", "--port", str(port),
                                   "--rasa-internal-url", rasa_url],
                       {"RASA_URL": rasa_url, "RASA_TOKEN": token or rasa_token(),
                        "WEBCHAT_RASA_PUBLIC_URL": ""}, health=f"{url}/healthz", timeout=30)
    stack.wait_ready("webchat", "web chat server")
    return url


def edge_env(port: int, webchat_url: str, rasa_url: str, synapse_url: str, data_dir: Path,
             dashboard_url: str = "http://127.0.0.1:9") -> dict:
    """Settings of deploy/caddy/Caddyfile.dev (see deploy/caddy/routes.caddy)."""
    host = lambda u: urlparse(u).netloc  # noqa: E731
    data_dir.mkdir(parents=True, exist_ok=True)
    return {"EDGE_PORT": str(port), "WEBCHAT_UPSTREAM": host(webchat_url),
            "RASA_UPSTREAM": host(rasa_url), "SYNAPSE_UPSTREAM": host(synapse_url),
            "DASHBOARD_UPSTREAM": host(dashboard_url),  # the dead default answers 502
            "MATRIX_PUBLIC_BASEURL": f"http://127.0.0.1:{port}/",
            "MATRIX_SERVER_DELEGATION": f"127.0.0.1:{port}",
            # Caddy keeps its (unused: no TLS on loopback) storage here, not in $HOME
            "XDG_DATA_HOME": str(data_dir / "data"), "XDG_CONFIG_HOME": str(data_dir / "config")}


def start_edge(stack: Stack, port: int, webchat_url: str, rasa_url: str, synapse_url: str,
               data_dir: Path, dashboard_url: str = "http://127.0.0.1:9") -> str:
    """Starts the public entrance (Caddy, Debian package) on 127.0.0.1:port; returns its URL."""
    url = f"http://127.0.0.1:{port}"
    if not shutil.which(CADDY):
        raise FileNotFoundError(f"{CADDY} not found: the edge needs Caddy (scripts/system_deps.sh, "
                                "or apt-get install caddy)")
    stack.start("edge", [CADDY, "run", "--config", str(EDGE_CONFIG), "--adapter", "caddyfile"],
                       edge_env(port, webchat_url, rasa_url, synapse_url, data_dir, dashboard_url),
                       health=f"{url}/healthz", timeout=30)
    stack.wait_ready("edge", "edge (caddy)")
    print(f"    edge ready: {url}", flush=True)
    return url


REPORT_KEYS = ("REPORTS_API_URL", "REPORTS_TOKEN", "REPORTS_OUTBOX")


def test_reports_env(run_dir: Path) -> dict:
    """Where the test action server finds the report API (the lapor tests start the API there)."""
    return {"REPORTS_API_URL": f"http://127.0.0.1:{free_port()}",
            "REPORTS_TOKEN": secrets.token_urlsafe(24),
            "REPORTS_OUTBOX": str(run_dir / "reports-outbox.jsonl")}


def cmd_up(state_file: Path) -> None:
    """Starts Rasa + actions for a test run on free ports, detached, then the web chat server and
    an edge in front of them; writes their URLs, Rasa's API token (RASA_TOKEN, or a fresh one per
    run), the report API settings the action server was given, and the pids to state_file.
    No Synapse runs behind this edge (its Matrix paths answer 502): the Matrix suite puts its own
    edge in front of its own Synapse (tests/matrix/test_matrix_edge.py)."""
    run_dir = state_file.parent
    stack = Stack(run_dir / "logs")
    actions_port = free_port()
    endpoints = write_endpoints(run_dir / "endpoints.yml", f"http://127.0.0.1:{actions_port}",
                                tracker_db=run_dir / "tracker.db")
    token = os.environ.get("RASA_TOKEN") or secrets.token_hex(32)
    extra = {**test_reports_env(run_dir), "RASA_TOKEN": token,
             **json.loads(os.environ.get("STACK_EXTRA_ENV", "{}"))}
    try:
        rasa_port = free_port()
        actions_url = start_actions(stack, actions_port, extra)
        rasa_url = start_rasa(stack, rasa_port, endpoints, current_model(), extra_env=extra, token=token)
        webchat_url = start_webchat(stack, free_port(), rasa_url, token)
        edge_url = start_edge(stack, free_port(), webchat_url, rasa_url, "http://127.0.0.1:9",
                              run_dir / "edge")
    except BaseException:
        stack.stop()
        raise
    state_file.write_text(json.dumps({"RASA_URL": rasa_url, "ACTIONS_URL": actions_url,
                                      "RASA_TOKEN": token, "WEBCHAT_URL": webchat_url,
                                      "EDGE_URL": edge_url,
                                      **{k: extra[k] for k in REPORT_KEYS},
                                      "pids": [p.pid for _, p in stack.procs]}))


def cmd_down(state_file: Path) -> None:
    if not state_file.exists():
        return
    pids = json.loads(state_file.read_text()).get("pids", [])
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    # A process that ignores SIGTERM (e.g. Rasa while it loads a model) must not outlive the run.
    deadline = time.monotonic() + 20
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if _group_alive(p)]
        time.sleep(0.2)
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    state_file.unlink()


def _group_alive(pgid: int) -> bool:
    try:
        os.waitpid(pgid, os.WNOHANG)  # reap it when it is our own child (else it stays a zombie)
    except ChildProcessError:
        pass
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


if __name__ == "__main__":
    verb = sys.argv[1] if len(sys.argv) > 1 else "run"
    if verb == "run":
        from scripts.run_stack import cmd_run
        cmd_run()
    elif verb == "up":
        cmd_up(Path(sys.argv[2]).resolve())
    elif verb == "down":
        cmd_down(Path(sys.argv[2]).resolve())
    else:
        sys.exit(__doc__)
