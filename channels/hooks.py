"""Extension points of the input channels (an explicit registry; nothing is discovered).

Used by features that must see or answer user messages before Rasa does, e.g. a human operator
taking over a web conversation (issue 15). Register at import time of your own module, and import
that module from the channel configuration's process (e.g. from `channels/__init__.py`):

    from channels import hooks

    async def takeover(msg: hooks.Incoming) -> list[dict] | None:
        if msg.sender_id in operator_sessions:
            forward_to_operator(msg)
            return []            # handled: Rasa is not called, nothing is sent back now
        return None              # not mine: the next interceptor, then Rasa

    hooks.INTERCEPTORS.append(takeover)

Order of a user message: validation (types, sizes, encoding) -> length limit -> intent-injection
guard -> INTERCEPTORS in list order (the first that returns a list wins) -> Rasa's agent.
A bot message is a dict in Rasa's output format: {"text": ..., "buttons": [{"title", "payload"}],
"image": ..., "custom": {...}}. An interceptor that raises is logged and skipped.

Pushing into a live web session: `hooks.SOCKETIO` is the socket.io channel once Rasa built it;
`await hooks.SOCKETIO.push(sender_id, messages)` emits the messages as `bot_uttered` to every
socket bound to that conversation and returns how many sockets were reached (0 = not online).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

if TYPE_CHECKING:  # pragma: no cover
    from sanic import Blueprint

    from channels.sio import GuardedSocketIOInput


@dataclass(frozen=True)
class Incoming:
    """A validated user message, as interceptors see it (text after the injection guard)."""
    channel: str                 # "rest" (Matrix bridge, tools) or "socketio" (web widget)
    sender_id: str               # Rasa conversation id (Matrix user id, or web session id)
    text: str
    metadata: dict = field(default_factory=dict)


Interceptor = Callable[[Incoming], Awaitable[Optional[list]]]
BlueprintExtension = Callable[["Blueprint", Any], None]

# Every user message passes through these (after validation, length and injection checks).
# Return None to let Rasa answer, or a list of bot messages (possibly empty) when handled.
INTERCEPTORS: list[Interceptor] = []

# Called as ext(blueprint, channel) when a channel builds its Sanic blueprint (to add routes
# under /webhooks/<channel name>/...). The channel is the GuardedRestInput or GuardedSocketIOInput.
BLUEPRINT_EXTENSIONS: list[BlueprintExtension] = []

# The socket.io channel instance, once Rasa has built its blueprint (None before / without it).
SOCKETIO: Optional["GuardedSocketIOInput"] = None
