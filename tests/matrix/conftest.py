"""Matrix test fixtures: one REAL Synapse per session (temp dir, free port, test profile with
raised rate limits and bcrypt_rounds 4), provisioned rooms, and an in-process bridge factory."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import pytest_asyncio

from devtools.matrix_user import MxUser, unique
from devtools.net import free_port
from matrix_bridge import synapse_ctl
from matrix_bridge.config import Config

ROOT = Path(__file__).resolve().parents[2]

SERVER = "polres.localhost"


class Homeserver:
    def __init__(self, directory: Path, port: int, server_name: str):
        self.dir, self.port, self.server_name = directory, port, server_name
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, profile: str = "test", fed_port: int | None = None):
        synapse_ctl.generate(self.dir, self.server_name, self.port, profile, fed_port=fed_port)
        self.proc = synapse_ctl.spawn(self.dir)
        synapse_ctl.wait_health(self.url, timeout=120, proc=self.proc)
        self.secret = synapse_ctl.shared_secret(self.dir)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except Exception:  # noqa: BLE001
                self.proc.kill()

    def register(self, localpart: str, password: str = "pw-test-123") -> str:  # idempotent
        synapse_ctl.register_user(self.url, self.secret, localpart, password)
        return f"@{localpart}:{self.server_name}"


@pytest.fixture
def store(tmp_path):
    """A fresh SQLite report store (the one schema and store the bridge and the API use)."""
    from reports.store import open_store
    s = open_store(f"sqlite:///{tmp_path / 'reports.db'}")
    yield s
    s.close()


@pytest.fixture(scope="session")
def synapse():
    d = Path(tempfile.mkdtemp(prefix="synapse-test-"))
    # Synapse sits behind an edge (tests/matrix/test_matrix_edge.py starts it on this port): clients are
    # told this URL (public_baseurl, login's well_known), as in `make run` and production.
    edge_port = free_port()
    os.environ["SYNAPSE_PUBLIC_BASEURL"] = f"http://127.0.0.1:{edge_port}/"
    try:
        hs = Homeserver(d, free_port(), SERVER).start()
    finally:
        os.environ.pop("SYNAPSE_PUBLIC_BASEURL", None)
    hs.edge_port = edge_port
    try:
        yield hs
    finally:
        hs.stop()
        if not os.environ.get("KEEP_SYNAPSE_DIR"):
            shutil.rmtree(d, ignore_errors=True)


def make_config(hs: Homeserver, state_dir: Path, *, rasa_url: str, **kw) -> Config:
    """A bridge Config for the test homeserver; rasa_url is the session's real Rasa (fixture
    `rasa_url`): no bridge in these tests talks to a dead address by default."""
    cfg = Config(homeserver=hs.url, server_name=hs.server_name, state_dir=state_dir,
                 reports_port=free_port(), reports_token="test-token-0123456789abcdef", rasa_url=rasa_url)
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


@pytest.fixture(scope="session")
def provisioned(synapse, tmp_path_factory, rasa_url):
    """Rooms + bot + one operator, provisioned once; returns (provision record, base state dir)."""
    import asyncio

    from matrix_bridge.provision import provision
    base = tmp_path_factory.mktemp("bridge-base")
    cfg = make_config(synapse, base, rasa_url=rasa_url)
    rec = asyncio.run(provision(cfg, synapse.secret, operators=["operator"], community=["ojol-batang"],
                                log=lambda *_: None))
    return rec


@pytest_asyncio.fixture
async def bridge_factory(synapse, provisioned, tmp_path, rasa_url):
    """start(rasa_url=..., clock=..., state_dir=..., store=..., **cfg) -> running in-process
    BridgeService talking to the session's real Rasa unless rasa_url says otherwise; all are
    stopped at teardown."""
    from matrix_bridge.service import BridgeService
    from reports.store import open_store
    started = []

    async def start(state_dir: Path | None = None, store=None, clock=None, scheduler=False, **kw):
        sd = state_dir or (tmp_path / "bridge")
        kw.setdefault("rasa_url", rasa_url)
        cfg = make_config(synapse, sd, bot_password=provisioned["bot_password"], **kw)
        if store is None:
            store = open_store(f"sqlite:///{tmp_path / 'reports.db'}")
        svc = BridgeService(cfg, store=store, clock=clock, scheduler=scheduler)
        await svc.start()
        await svc.wait_synced()
        started.append(svc)
        return svc

    yield start
    for svc in started:
        if not svc.stopped:
            await svc.stop()


@pytest_asyncio.fixture
async def user_factory(synapse):
    users = []

    async def make(prefix: str = "warga", join: list[str] | None = None) -> MxUser:
        local = unique(prefix)
        uid = synapse.register(local)
        u = await MxUser(synapse.url, uid, "pw-test-123").login()
        for room in join or []:
            await u.join(room)
        users.append(u)
        return u

    yield make
    for u in users:
        await u.close()


@pytest_asyncio.fixture
async def operator(synapse, provisioned):
    uid = f"@operator:{synapse.server_name}"
    u = await MxUser(synapse.url, uid, provisioned["operator_passwords"]["operator"]).login()
    yield u
    await u.close()


def room(provisioned, local: str) -> str:
    return provisioned["rooms"][f"#{local}:{SERVER}"]
