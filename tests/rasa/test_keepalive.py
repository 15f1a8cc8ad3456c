"""The kept-alive action-server session (channels/keepalive.py, docs/performance.md) against a
real rasa-sdk action server of its own (no Rasa server needed: Rasa's RemoteAction runs here, in
this process, as it does inside `rasa run`). Connections are counted by the kernel
(/proc/net/tcp: every client socket to the action server's port, open or in TIME_WAIT):
- many sequential action calls go over one connection; Rasa's own request opens one per call;
- answers and errors are Rasa's own (same events, same ClientResponseError for an unknown action,
  same connection error when the server is down, which channels/faults.py takes as "down");
- a killed action server started again on the same port answers the next call, on a new
  connection; one session per event loop, closed by close_all() (the server-stop listener); a
  forked worker makes its own and leaves the parent's connection alone; a real Sanic server with
  the channel's blueprint closes them when it stops."""
from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from pathlib import Path

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from channels import faults, keepalive
from devtools.net import tcp_client_ports
from scripts import servers

ROOT = Path(__file__).resolve().parents[2]
ANSWER = "Rp30.000"  # knowledge/data/skck.yml, answered by action_jawab_topik for skck_biaya


class Actions:
    """A real action server on a fixed port that can be killed and started again there."""

    def __init__(self) -> None:
        self.port = servers.free_port()
        self.stack = servers.Stack(Path(tempfile.mkdtemp(prefix="keepalive-")) / "logs")
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.stack.procs:
            self.stack.restart("actions")
            self.stack.wait_ready("actions")
        else:
            servers.start_actions(self.stack, self.port)

    def kill(self) -> None:
        proc = dict(self.stack.procs)["actions"]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture(scope="module")
def actions():
    server = Actions()
    try:
        server.start()
        yield server
    finally:
        server.stack.stop()


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "rasa_project" / "domain"))


def tracker(domain: Domain) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("keepalive-test", [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("berapa biaya skck", {"name": "skck_biaya", "confidence": 1.0})], domain.slots)


async def run_action(endpoint: EndpointConfig, domain: Domain) -> list:
    """What Rasa's processor does for a custom action (RemoteAction.run, faults' wrapper included)."""
    events = await RemoteAction("action_jawab_topik", endpoint).run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
        tracker(domain), domain)
    assert any(ANSWER in (getattr(e, "text", None) or "") for e in events), events
    return events


def calls(actions: Actions, domain: Domain, n: int, endpoint: EndpointConfig) -> set[int]:
    """Runs the action n times in a row in a fresh event loop; the new client ports seen."""
    before = tcp_client_ports(actions.port)

    async def scenario() -> None:
        try:
            for _ in range(n):
                await run_action(endpoint, domain)
        finally:
            await keepalive.close_all()

    asyncio.run(scenario())
    return tcp_client_ports(actions.port) - before


def test_installed_by_the_channels():
    import channels.rest  # noqa: F401 - what Rasa imports for credentials.yml

    assert EndpointConfig.request is keepalive.request
    assert keepalive._listen_for_stop in channels.hooks.BLUEPRINT_EXTENSIONS


def test_sequential_calls_share_one_connection(actions, domain):
    faults.install()
    keepalive.install()
    endpoint = EndpointConfig(url=f"{actions.url}/webhook")
    kept = calls(actions, domain, 20, endpoint)
    print(f"\nkept-alive: 20 action calls over {len(kept)} connection(s)")
    assert len(kept) == 1
    EndpointConfig.request = keepalive._RASA_REQUEST  # Rasa's own, for comparison
    try:
        own = calls(actions, domain, 20, endpoint)
    finally:
        EndpointConfig.request = keepalive.request
    print(f"Rasa's own request: 20 action calls over {len(own)} connections")
    assert len(own) == 20


def test_answers_and_errors_are_rasas_own(actions, domain):
    keepalive.install()
    endpoint = EndpointConfig(url=f"{actions.url}/webhook")
    body = RemoteAction("action_jawab_topik", endpoint)._action_call_format(tracker(domain), domain)
    unknown = {**body, "next_action": "action_tidak_ada"}

    async def both(payload: dict) -> list:
        got = []
        for request in (keepalive.request, keepalive._RASA_REQUEST):
            try:
                got.append(await request(endpoint, json=payload, method="post", timeout=300))
            except ClientResponseError as exc:
                got.append((exc.status, exc.message, exc.text))
        await keepalive.close_all()
        return got

    ours, rasas = asyncio.run(both(body))
    assert ours == rasas and ANSWER in str(ours)
    ours, rasas = asyncio.run(both(unknown))
    assert ours == rasas and ours[0] == 404, ours


def test_restart_is_survived_and_down_is_down(actions, domain):
    faults.install()
    keepalive.install()
    endpoint = EndpointConfig(url=f"{actions.url}/webhook")
    seen: dict[str, object] = {}

    async def scenario() -> None:
        await run_action(endpoint, domain)
        first = tcp_client_ports(actions.port)
        actions.kill()  # the kept connection's server is gone (FIN from the kernel)
        with pytest.raises(RasaException) as down:
            await run_action(endpoint, domain)
        seen["down"] = faults._server_down(down.value)
        faults.BREAKER.open_until = 0.0  # the breaker's cooldown is channels' business, not ours
        actions.start()  # a new process on the same port
        await run_action(endpoint, domain)  # the first call after the restart is answered
        seen["new_connection"] = bool(tcp_client_ports(actions.port) - first)
        seen["closed"] = await keepalive.close_all()

    asyncio.run(scenario())
    assert seen == {"down": True, "new_connection": True, "closed": 1}


def test_one_session_per_event_loop(actions):
    keepalive.install()
    endpoint = EndpointConfig(url=f"{actions.url}/webhook")

    async def sessions() -> tuple:
        a, b = keepalive.session_for(endpoint), keepalive.session_for(endpoint)
        return a, b, await keepalive.close_all(), a.closed

    a1, b1, closed1, done1 = asyncio.run(sessions())
    a2, _, closed2, done2 = asyncio.run(sessions())
    assert a1 is b1 and a2 is not a1  # one per loop, never carried over to another loop
    assert (closed1, done1, closed2, done2) == (1, True, 1, True)
    assert not [o for o in keepalive._OPEN if o[2] in (a1, a2)]


def test_a_forked_worker_gets_its_own_session(actions, domain):
    """As Sanic forks its workers (scripts/rasa_workers.py): a session made before the fork is
    never used by the child, and the child's own calls leave the parent's connection working."""
    keepalive.install()
    endpoint = EndpointConfig(url=f"{actions.url}/webhook")
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run_action(endpoint, domain))
        parent_session = loop.run_until_complete(_session(endpoint))
        parent_ports = tcp_client_ports(actions.port, established=True)
        pid = os.fork()
        if pid == 0:  # the child: a new event loop, as a Sanic worker makes after the fork
            code = 1
            try:
                async def child() -> bool:
                    own = keepalive.session_for(endpoint)
                    await run_action(endpoint, domain)
                    return own is not parent_session and await keepalive.close_all() == 1
                code = 0 if asyncio.run(child()) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert loop.run_until_complete(_session(endpoint)) is parent_session and not parent_session.closed
        loop.run_until_complete(run_action(endpoint, domain))  # the parent's connection still serves
        assert parent_ports <= tcp_client_ports(actions.port, established=True)
        assert loop.run_until_complete(keepalive.close_all()) == 1
    finally:
        loop.close()


async def _session(endpoint: EndpointConfig):
    return keepalive.session_for(endpoint)


_STOP_SCENARIO = """
import asyncio, uuid
from rasa.utils.endpoints import EndpointConfig
from sanic import Sanic
from channels import keepalive
from channels.rest import GuardedRestInput
from devtools.net import free_port

keepalive.install()

async def scenario():
    app = Sanic(f"keepalive_{uuid.uuid4().hex}")

    async def on_new_message(_message):
        return None

    app.blueprint(GuardedRestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
    server = await app.create_server(host="127.0.0.1", port=free_port(), return_asyncio_server=True)
    await server.startup()
    await server.before_start()
    await server.after_start()
    session = keepalive.session_for(EndpointConfig(url="http://127.0.0.1:9/webhook"))
    open_while_serving = not session.closed
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()
    print("RESULT", open_while_serving, session.closed)

asyncio.run(scenario())
"""


def test_sessions_are_closed_when_the_server_stops():
    """The channels' blueprints carry the after_server_stop listener: a real Sanic server with
    the REST channel's blueprint (as Rasa registers it) closes the kept sessions of its loop.
    Run in a fresh interpreter: Sanic's TouchUp rewrites its request handler once per process,
    so a second Sanic app in the pytest process (test_channels_push starts one) cannot start."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _STOP_SCENARIO], cwd=repo, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(repo)})
    assert "RESULT True True" in done.stdout, (done.stdout[-2000:], done.stderr[-2000:])
