"""Ports and HTTP readiness checks for starting local services (standard library only)."""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return 200 <= r.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    """Waits until `url` answers 2xx; fails early when the process has died."""
    deadline = time.monotonic() + timeout
    last_note = time.monotonic()
    while time.monotonic() < deadline:
        if http_ok(url):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what or url} exited with code {proc.returncode} before it was ready")
        if time.monotonic() - last_note > 20:
            waited = int(timeout - (deadline - time.monotonic()))
            print(f"    ... still waiting for {what or url} ({waited} s)", flush=True)
            last_note = time.monotonic()
        time.sleep(0.5)
    raise TimeoutError(f"{what or url} not ready after {timeout:.0f} s")


def tcp_client_ports(server_port: int, established: bool = False) -> set[int]:
    """Client-side ports of every IPv4 TCP connection to `server_port` the kernel knows, open or
    closing (TIME_WAIT included; only open ones with `established`), from /proc/net/tcp (Linux):
    how many connections a server has been sent, counted by the kernel."""
    ports = set()
    with open("/proc/net/tcp") as fh:
        next(fh)
        for line in fh:
            local, remote, state = line.split()[1:4]
            lport, rport = int(local.split(":")[1], 16), int(remote.split(":")[1], 16)
            if state == "0A" or (established and state != "01"):  # LISTEN / not ESTABLISHED
                continue
            if rport == server_port:
                ports.add(lport)
            elif lport == server_port:
                ports.add(rport)
    return ports
