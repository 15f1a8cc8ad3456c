"""Watching the server processes during a fuzz run (standard library only, Linux /proc): which
pid listens on a port, its RSS, its health URL, and a snapshot of all of them."""
from __future__ import annotations

import os
from dataclasses import dataclass

from devtools.net import http_ok


def listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                next(fh)
                for line in fh:
                    f = line.split()
                    if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                        inodes.add(f[9])
        except OSError:
            continue
    return inodes


def pid_on_port(port: int) -> int | None:
    """The process that listens on 127.0.0.1:port (lowest pid if several share the socket)."""
    want = {f"socket:[{i}]" for i in listening_inodes(port)}
    if not want:
        return None
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") in want:
                    found.append(int(pid))
                    break
        except OSError:
            continue
    return min(found) if found else None


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


@dataclass
class Server:
    name: str
    port: int
    health: str  # full URL that answers 2xx while the server serves


def snapshot(servers: list[Server]) -> dict[str, dict]:
    out = {}
    for s in servers:
        pid = pid_on_port(s.port)
        out[s.name] = {"port": s.port, "pid": pid, "rss_mb": rss_mb(pid), "healthy": http_ok(s.health, 5)}
    return out


def compare(before: dict, after: dict) -> tuple[list[dict], dict]:
    """(crashes, memory): a crash is a server whose pid changed (restarted by the supervisor), or
    that no longer answers its health check; memory is RSS before/after per server."""
    crashes, memory = [], {}
    for name, b in before.items():
        a = after.get(name, {})
        if b.get("pid") != a.get("pid") or not a.get("healthy"):
            crashes.append({"server": name, "pid_before": b.get("pid"), "pid_after": a.get("pid"),
                            "healthy_after": a.get("healthy")})
        rb, ra = b.get("rss_mb"), a.get("rss_mb")
        memory[name] = {"rss_mb_before": rb, "rss_mb_after": ra,
                        "growth_mb": round(ra - rb, 1) if rb is not None and ra is not None else None}
    return crashes, memory
