"""A throw-away PostgreSQL server for tests (Debian's `postgresql` package; standard library only).

    with TempPostgres() as pg:
        store = open_store(pg.url)     # postgresql://test@127.0.0.1:PORT/postgres

initdb into a temp dir, `pg_ctl start` on a free loopback port with its unix socket in that dir,
trust authentication for the one local user `test`; stopped and deleted on exit. PostgreSQL refuses
to run as root, so under root (CI) the server runs as the `postgres` system user (or `nobody`)
through runuser.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from devtools.net import free_port


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl live (Debian keeps them out of PATH), or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return Path(dirs[-1]) if dirs and (Path(dirs[-1]) / "initdb").exists() else None


class TempPostgres:
    def __init__(self, user: str = "test"):
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (initdb not found): "
                               "scripts/system_deps.sh installs Debian's postgresql")
        self.user = user
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-test-"))
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self.url = f"postgresql://{user}@127.0.0.1:{self.port}/postgres"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            runas = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
            if runas is None:
                raise RuntimeError("running as root and no postgres/nobody user to run PostgreSQL as")
            pw = pwd.getpwnam(runas)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", runas, "--"]

    def _run(self, *args: str, timeout: float = 120) -> None:
        r = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({r.returncode}): {r.stderr[-2000:]}\n{log}")

    def start(self) -> "TempPostgres":
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "--encoding=UTF8", "--no-sync")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts,
                  "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "TempPostgres":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
