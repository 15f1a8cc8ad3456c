"""socket.io input channel at the same public path as Rasa's (/socket.io; events
`session_request`/`session_confirm`, `user_uttered`/`bot_uttered`, session persistence), used by
the web widget (webchat/public/widget.js) through the edge. See docs/channels.md.

Differences from Rasa's SocketIOInput: every event payload is validated (a bad payload is
acknowledged with {"error", "pesan"} and ignored, the connection and the server stay up), the
message goes through channels.pipeline, engine.io packets are limited to MAX_BODY_BYTES, and
`push()` lets a server-side feature (e.g. an operator's takeover) speak into a live session.

A conversation's sockets are the members of the socket.io room named after its sender id (the
web session id): a socket joins it on `session_request` and on `user_uttered`, and socket.io
removes it on disconnect. That room is the sender -> sockets map `push()` uses.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Iterable, Optional

import rasa.core.channels.channel
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from . import faults, hooks, keepalive, pipeline, texts, validate
from .limits import MAX_BODY_BYTES

log = logging.getLogger(__name__)
faults.install()
keepalive.install()


class _Blueprint(SocketBlueprint):
    """Rasa's socket.io blueprint that also remembers the Sanic app (its ctx holds the agent)."""

    def register(self, app: Any, options: Any) -> None:
        self.ctx.app = app
        super().register(app, options)


def _refuse_malformed_engineio(sio: AsyncServer) -> None:
    """python-engineio 4.8 answers some malformed requests with a 500 (a POST without `sid`, a
    websocket upgrade without a valid handshake): they get a 400 JSON error instead. Must run
    before the blueprint is registered (engine.io's Sanic route takes the bound method then)."""
    eio = sio.eio
    original = eio.handle_request

    async def handle_request(*args: Any, **kwargs: Any) -> Any:
        try:
            result = await original(*args, **kwargs)
        except Exception:  # noqa: BLE001 - malformed input, never a 500
            log.info("engine.io: refused a malformed request", exc_info=True)
            return response.json(texts.error("bad_request"), status=400)
        # None: a websocket session ended (Sanic would log "Invalid response type None" as a 500)
        return response.empty() if result is None else result

    eio.handle_request = handle_request


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with validation, limits, the injection guard, fault replies and
    push()."""

    @classmethod
    def name(cls) -> str:
        return "socketio"  # keeps /webhooks/socketio/ and the trackers' input channel

    def sockets(self, sender_id: str) -> list[str]:
        """The socket ids currently bound to a conversation."""
        if self.sio is None:
            return []
        try:
            return [sid for sid, _ in self.sio.manager.get_participants(self.namespace or "/", sender_id)]
        except KeyError:  # nobody connected on this namespace yet
            return []

    async def push(self, sender_id: str, messages: Iterable[dict]) -> int:
        """Sends bot messages (Rasa's format: text, buttons, image, custom) as `bot_uttered` to
        every socket of the conversation; returns how many sockets were reached (0: offline,
        nothing sent)."""
        reached = len(self.sockets(sender_id))
        if reached and self.sio is not None:
            output = SocketIOOutput(self.sio, self.bot_message_evt)
            for message in messages:
                await output.send_response(sender_id, dict(message))
        return reached

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[],
                          max_http_buffer_size=MAX_BODY_BYTES)
        _refuse_malformed_engineio(sio)
        bp = _Blueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        def agent() -> Optional[Any]:
            app = getattr(bp.ctx, "app", None)
            return getattr(app.ctx, "agent", None) if app is not None else None

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            if not isinstance(token, str) or not token:
                return False
            try:
                return bool(rasa.core.channels.channel.decode_bearer_token(
                    token, self.jwt_key, self.jwt_algorithm))
            except Exception:  # noqa: BLE001 - a bad token refuses the connection
                return False

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            log.debug("socket %s disconnected", sid)  # socket.io leaves its rooms by itself

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            session_id = validate.session_id(data) or uuid.uuid4().hex
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> Optional[dict]:
            try:
                fields = validate.socketio_event(data, self.session_persistence, sid, self.metadata_key)
            except validate.Invalid as exc:
                log.info("socket.io: ignored a %s event from %s: %s", self.user_message_evt, sid, exc.code)
                return exc.body()
            if self.session_persistence and fields.sender_id not in sio.rooms(sid, namespace=namespace):
                sio.enter_room(sid, fields.sender_id, namespace=namespace)
            output = SocketIOOutput(sio, self.bot_message_evt)
            try:
                await pipeline.handle(self.name(), fields, output, on_new_message, agent())
            except Exception:  # noqa: BLE001 - a bug here must still end politely
                log.exception("socket.io channel failed on a message of %s", fields.sender_id)
                await output.send_response(fields.sender_id, {"text": texts.FAULT})
            return None

        for extend in list(hooks.BLUEPRINT_EXTENSIONS):
            extend(bp, self)
        hooks.SOCKETIO = self
        return bp
