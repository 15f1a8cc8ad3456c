"""channels.faults decides "slow but alive" vs "hung" with GET /health on the action server;
a cold server (never answered yet) gets the longer probe. Against a real aiohttp server on a free
loopback port whose /health answers at once, late, or never."""
from __future__ import annotations

import asyncio

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from channels import faults, limits
from devtools.net import free_port


async def _server(health_delay: float):
    async def health(_):
        await asyncio.sleep(health_delay)
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, EndpointConfig(f"http://127.0.0.1:{port}/webhook")


def _decide(health_delay: float, call_takes: float, warm: bool) -> bool:
    async def run() -> bool:
        runner, endpoint = await _server(health_delay)
        breaker = faults.BREAKER.warm
        faults.BREAKER.warm = warm
        try:
            call = asyncio.ensure_future(asyncio.sleep(call_takes))
            answered = await faults._answer_or_hung(call, endpoint)
            call.cancel()
            return answered
        finally:
            faults.BREAKER.warm = breaker
            await runner.cleanup()

    return asyncio.run(run())


def test_slow_but_alive_call_goes_on():
    assert _decide(health_delay=0, call_takes=limits.ACTION_TIMEOUT_S + 0.5, warm=True)


def test_no_health_answer_means_hung():
    assert not _decide(health_delay=30, call_takes=30, warm=True)


def test_cold_server_gets_the_longer_probe():
    late = limits.ACTION_PROBE_S + 0.7            # e.g. the first call loading the knowledge base
    assert late < limits.ACTION_COLD_PROBE_S
    assert _decide(health_delay=late, call_takes=limits.ACTION_TIMEOUT_S + late, warm=False)
    assert not _decide(health_delay=late, call_takes=30, warm=True)


def test_breaker_states():
    b = faults.Breaker()
    assert not b.warm and not b.is_open()
    b.trip()
    assert b.is_open()
    b.reset()
    assert b.warm and not b.is_open()
