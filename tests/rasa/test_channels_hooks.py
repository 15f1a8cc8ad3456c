"""channels.hooks: interceptors see validated, guarded messages before Rasa and may answer them
themselves. Exercised in-process through channels.pipeline with Rasa's real output channel; the
interceptors are registered exactly as a feature would (no test-only hook in production code)."""
from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel

from channels import hooks, pipeline, texts
from channels.limits import MAX_TEXT_CHARS
from channels.validate import Fields


@pytest.fixture
def registry():
    saved = list(hooks.INTERCEPTORS)
    hooks.INTERCEPTORS.clear()
    yield hooks.INTERCEPTORS
    hooks.INTERCEPTORS[:] = saved


def run(text: str, sender: str = "web-1", metadata: dict | None = None):
    reached: list = []

    async def rasa(message):          # stands in for agent.handle_message: records what Rasa got
        reached.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": "jawaban rasa"})

    out = CollectingOutputChannel()
    asyncio.run(pipeline.handle("socketio", Fields(sender, text, metadata or {}), out, rasa, None))
    return [m.get("text") for m in out.messages], reached


def test_interceptor_answers_instead_of_rasa_in_order(registry):
    seen: list[hooks.Incoming] = []

    async def passes(msg):
        seen.append(msg)
        return None

    async def broken(msg):
        raise RuntimeError("bug in a feature")

    async def operator(msg):
        return [{"text": "Operator: pesan diterima"}] if msg.sender_id == "web-1" else None

    async def never(msg):
        raise AssertionError("after the first interceptor that answered")

    registry.extend([passes, broken, operator, never])
    replies, reached = run("/lapor_pembaruan_status", metadata={"a": 1})
    assert replies == ["Operator: pesan diterima"] and reached == []
    # validated and guarded before any interceptor sees it
    assert seen == [hooks.Incoming("socketio", "web-1", "lapor_pembaruan_status", {"a": 1})]
    replies, reached = run("halo", sender="web-2")
    assert replies == ["jawaban rasa"] and [m.text for m in reached] == ["halo"]


def test_empty_list_means_handled_silently(registry):
    async def swallow(msg):
        return []

    registry.append(swallow)
    assert run("halo") == ([], [])


def test_limits_come_before_interceptors(registry):
    async def must_not_run(msg):
        raise AssertionError("interceptor saw an over-long message")

    registry.append(must_not_run)
    replies, reached = run("x" * (MAX_TEXT_CHARS + 1))
    assert replies == [texts.TOO_LONG] and reached == []
    replies, _ = run("/")
    assert replies == [texts.INJECTION]
