"""One kept-alive HTTP session to the action server (issue 14, docs/performance.md).

Why: Rasa 3.6's `EndpointConfig.request` (rasa/utils/endpoints.py), which `RemoteAction.run`
calls for every custom action, opens a new `aiohttp.ClientSession` per call: a new connector, a
new TCP connection and its teardown (TIME_WAIT) for each of the 1-3 action calls of a reply. The
py-spy profile of the webhook put that at 3-5 % of the Rasa process's CPU.

What: `install()` replaces `EndpointConfig.request` (once, when a channel module is imported; in
this project only the action endpoint calls it, Rasa's NLG and callback endpoints would too) with
a wrapper that runs **Rasa's own request code** on a shallow copy of the endpoint whose
`session()` lends a kept session instead of creating one, so URL, params, token, headers, basic
auth, cafile, the 5-minute timeout, the 4xx/5xx `ClientResponseError` and every aiohttp error
(refused, reset, disconnected) are exactly Rasa's. The session is made like Rasa's
`EndpointConfig.session()` (same headers, auth, timeout) with a connector that keeps idle
connections ACTION_KEEPALIVE_S (channels/limits.py) and, like Rasa's session-per-call, no limit on
concurrent connections. There is one session per endpoint object, per process and per running
event loop: never shared with another loop or a forked worker (Sanic workers); a session whose
loop has closed is dropped. Every channel blueprint gets an `after_server_stop` listener that
closes the sessions of the stopping loop.

Stale connections: the action server (Sanic) closes a connection idle for its
KEEP_ALIVE_TIMEOUT (5 s by default, 75 s as we start it: scripts/servers.py, docker-compose.yml);
aiohttp never reuses a connection idle for longer than ACTION_KEEPALIVE_S (2 s) and drops one the
server has closed (an action server killed or restarted), so a POST does not go out on a
connection the server is closing. Failures are not retried (a POST to an action may have run).

Measured (docs/performance.md): scripts/profile_action_call.py (Rasa's CPU per action call, Rasa's
request vs this one, in-process against a real action server: about -0.3 ms, -10 %) and
scripts/profile_ab.py (webhook turns as scripts/profile_webhook.py measures them, on two stacks
taking turns, ACTION_KEEPALIVE_S=0 vs on: throughput and p50 within the noise; action server CPU
per message -8 to -13 %). Tests: tests/rasa/test_keepalive.py (connections counted by the kernel,
same answers and errors as Rasa's request, restart, one session per loop) and
test_channels_faults.py (through Rasa: one connection, restart, the fault replies).
"""
from __future__ import annotations

import asyncio
import copy
import logging
import os
from typing import Any

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

from . import hooks, limits

log = logging.getLogger(__name__)
_RASA_REQUEST = EndpointConfig.request
_ATTR = "_keepalive_sessions"  # on an EndpointConfig: {(pid, loop): ClientSession}
_OPEN: list[tuple[int, asyncio.AbstractEventLoop, aiohttp.ClientSession]] = []


class _Lent:
    """What `async with endpoint.session() as s` gets in Rasa's request: the kept session, left
    open on exit."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _new_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """As EndpointConfig.session(), with a connector that keeps connections alive."""
    auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth else None)
    return aiohttp.ClientSession(
        headers=endpoint.headers, auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=limits.ACTION_KEEPALIVE_S))


def session_for(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The endpoint's kept session in this process and running event loop (made on first use)."""
    loop, pid = asyncio.get_running_loop(), os.getpid()
    kept: dict = endpoint.__dict__.setdefault(_ATTR, {})
    session = kept.get((pid, loop))
    if session is None or session.closed:
        for key in [k for k in kept if k[0] == pid and k[1].is_closed()]:
            del kept[key]  # a finished loop's (a forked parent's are left alone, never used)
        _OPEN[:] = [o for o in _OPEN if o[0] != pid or not (o[1].is_closed() or o[2].closed)]
        session = kept[(pid, loop)] = _new_session(endpoint)
        _OPEN.append((pid, loop, session))
    return session


async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    """Rasa's EndpointConfig.request, on the kept session."""
    lent = copy.copy(self)
    lent.session = lambda: _Lent(session_for(self))  # type: ignore[method-assign]
    return await _RASA_REQUEST(lent, *args, **kwargs)


async def close_all() -> int:
    """Closes the kept sessions of the running loop in this process; returns how many."""
    loop, pid = asyncio.get_running_loop(), os.getpid()
    mine = [s for p, lp, s in _OPEN if p == pid and lp is loop]
    _OPEN[:] = [o for o in _OPEN if o[2] not in mine]
    for session in mine:
        await session.close()
    return len(mine)


async def _after_server_stop(_app: Any, _loop: Any) -> None:
    if closed := await close_all():
        log.info("closed %d kept-alive action server session(s)", closed)


def _listen_for_stop(blueprint: Any, _channel: Any) -> None:
    blueprint.listener("after_server_stop")(_after_server_stop)


def install() -> None:
    """Replaces EndpointConfig.request (idempotent); ACTION_KEEPALIVE_S <= 0 leaves Rasa's own."""
    if limits.ACTION_KEEPALIVE_S <= 0 or EndpointConfig.request is request:
        return
    EndpointConfig.request = request  # type: ignore[method-assign]
    hooks.BLUEPRINT_EXTENSIONS.append(_listen_for_stop)
