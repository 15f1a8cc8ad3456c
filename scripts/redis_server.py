"""A local redis-server for `WORKERS=N make run` and the scale tests (standard library only).

When REDIS_URL is not set, `WORKERS=N make run` starts Debian's redis-server itself: bound to
127.0.0.1 only, protected mode on, state (append-only file) under var/redis/, supervised like the
other processes (a crash is restarted; rasa_stores.redis_retry waits it out).
"""
from __future__ import annotations

import shutil
import socket
import time
from pathlib import Path

REDIS_SERVER = "redis-server"


def command(port: int, data_dir: Path, persist: bool = True) -> list[str]:
    """redis-server's command line: loopback only, its files in data_dir."""
    binary = shutil.which(REDIS_SERVER)
    if binary is None:
        raise FileNotFoundError("redis-server not found: WORKERS=N needs Redis (apt-get install "
                                "redis-server, or set REDIS_URL to a running Redis)")
    data_dir.mkdir(parents=True, exist_ok=True)
    return [binary, "--bind", "127.0.0.1", "--port", str(port), "--protected-mode", "yes",
            "--dir", str(data_dir), "--save", "", "--appendonly", "yes" if persist else "no",
            "--daemonize", "no", "--logfile", ""]


def ping(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    """True when Redis answers PING with PONG (raw RESP, no client library needed)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def wait(port: int, timeout: float = 20.0, proc=None) -> None:
    """Waits until Redis on 127.0.0.1:port answers; fails early when its process has died.
    `loading` (a large append-only file being replayed) answers -LOADING, not PONG: keep waiting."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ping(port):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {proc.returncode} before it was ready "
                               f"(port {port} in use? set REDIS_PORT, or REDIS_URL to use that Redis)")
        time.sleep(0.1)
    raise TimeoutError(f"redis-server on 127.0.0.1:{port} not ready after {timeout:.0f} s")


def start(stack, port: int, data_dir: Path, persist: bool = True) -> str:
    """Starts redis-server in `stack` (scripts.supervise.Stack); returns its redis:// URL."""
    proc = stack.start("redis", command(port, data_dir, persist))
    wait(port, proc=proc)
    return f"redis://127.0.0.1:{port}/0"
