"""REST input channel at the same public path as Rasa's: POST /webhooks/rest/webhook
(the Matrix bridge, tests, tools). Body {"sender": str, "message": str, "metadata"?: object};
answer: Rasa's list of bot messages. Any malformed body gets a 4xx JSON error
{"error": code, "pesan": Indonesian}; see docs/channels.md.

Differences from Rasa's RestInput: the body is validated; `input_channel` in the body is ignored
(the conversation's channel is always "rest", actions rely on it); `?stream=true` is not offered.
"""
from __future__ import annotations

import inspect
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from . import faults, hooks, keepalive, pipeline, texts, validate

log = logging.getLogger(__name__)
faults.install()
keepalive.install()


class GuardedRestInput(RestInput):
    """Rasa's REST channel with input validation, limits, the injection guard and fault replies."""

    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps /webhooks/rest/webhook and the trackers' input channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        module = inspect.getmodule(self)
        bp = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                fields = validate.rest_body(request.body or b"")
            except validate.Invalid as exc:
                return response.json(exc.body(), status=exc.status)
            collector = CollectingOutputChannel()
            try:
                await pipeline.handle(self.name(), fields, collector, on_new_message,
                                      getattr(request.app.ctx, "agent", None))
            except Exception:  # noqa: BLE001 - a bug here must still end politely, not in a 500
                log.exception("REST channel failed on a message of %s", fields.sender_id)
                collector.messages.append({"recipient_id": fields.sender_id, "text": texts.FAULT})
            return response.json(collector.messages)

        for extend in list(hooks.BLUEPRINT_EXTENSIONS):
            extend(bp, self)
        return bp
