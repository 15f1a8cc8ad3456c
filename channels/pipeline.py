"""The path of one validated user message, shared by the REST and socket.io channels:
length limit -> intent-injection guard -> interceptors (channels.hooks) -> Rasa (fault-guarded)."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import OutputChannel, UserMessage

from . import faults, guard, hooks, texts
from .limits import MAX_TEXT_CHARS
from .validate import Fields

log = logging.getLogger(__name__)


async def _send(output: OutputChannel, sender_id: str, messages: list) -> None:
    for message in messages:
        if isinstance(message, dict):
            await output.send_response(sender_id, dict(message))
        elif isinstance(message, str):
            await output.send_response(sender_id, {"text": message})
        else:
            log.error("ignored a bot message of type %s from an interceptor", type(message).__name__)


async def _intercepted(incoming: hooks.Incoming) -> list | None:
    for interceptor in list(hooks.INTERCEPTORS):
        try:
            result = await interceptor(incoming)
        except Exception:  # noqa: BLE001 - a broken hook must not break the chat
            log.exception("interceptor %r failed; skipped", interceptor)
            continue
        if result is not None:
            return list(result)
    return None


async def handle(channel: str, fields: Fields, output: OutputChannel,
                 on_new_message: Callable[[UserMessage], Awaitable[Any]], agent: Any) -> None:
    """Answers one message through `output` (never raises for the message's content)."""
    sender_id = fields.sender_id
    if len(fields.text) > MAX_TEXT_CHARS:
        log.info("message of %d characters from %s: not processed", len(fields.text), sender_id)
        await _send(output, sender_id, [{"text": texts.TOO_LONG}])
        return
    text = await guard.sanitize(fields.text, sender_id, agent)
    if text is None:
        await _send(output, sender_id, [{"text": texts.INJECTION}])
        return
    handled = await _intercepted(hooks.Incoming(channel, sender_id, text, dict(fields.metadata)))
    if handled is not None:
        await _send(output, sender_id, handled)
        return
    message = UserMessage(text, output, sender_id, input_channel=channel,
                          metadata=fields.metadata or None)
    await faults.run_guarded(on_new_message, message, agent)
