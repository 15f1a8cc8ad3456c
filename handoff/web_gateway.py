"""The web side of the human handoff, inside the Rasa server (issue 15). Registered with the input
channels' extension points (channels/hooks.py) by channels/__init__.py:

- an interceptor: a web (socket.io) message of a citizen who is handed off goes to the handoff
  service (HTTP, loopback, token) and from there to the operators' thread; Rasa is not called.
  The service answers "not handed off" for everybody else, and Rasa answers as usual.
- a push route on the socket.io channel, POST /webhooks/socketio/handoff/push (bearer: the chat
  token of reports.config.client_token, which the Kamtibmas service also holds): the Kamtibmas
  service delivers officer messages and notices into the live session, and each is also recorded
  once in the conversation's tracker (a bot event with the handoff payload), so a reloaded page or
  a citizen who was offline finds it in the history. A message whose id is already in the tracker
  is acknowledged without being shown again, so a re-delivery after a restart never doubles it.

Messages are pushed as custom payloads {"data": {"handoff": {id, dari, nama, teks, tiket}}} that
webchat/public/petugas.js renders (marked as coming from an officer, each id once).
"""
from __future__ import annotations

import asyncio
import hmac
import logging

from channels import hooks
from reports import config

from . import texts
from .client import HandoffClient, HandoffUnavailable

log = logging.getLogger(__name__)

# Web sessions known to be handed off (so that an unreachable service is not mistaken for "not
# handed off": their messages are kept and retried instead of silently going to the bot).
_handed_off: set[str] = set()
_retries: set[asyncio.Task] = set()
RETRY_FOR_S = 15 * 60


async def _retry(sender: str, text: str, sumber: str | None) -> None:
    """Deliver a handed-off citizen's message once the Kamtibmas service is back (it is
    idempotent by `sumber`, the widget's message id, so a repeat is never doubled)."""
    delay, waited = 1.0, 0.0
    while waited < RETRY_FOR_S:
        await asyncio.sleep(delay)
        waited += delay
        try:
            await _client().message("web", sender, text, sumber=sumber)
            return
        except HandoffUnavailable:
            delay = min(delay * 2, 30.0)
    log.error("handoff: a message of a handed-off web citizen could not be delivered for %d s", RETRY_FOR_S)


def _client() -> HandoffClient:
    return HandoffClient(timeout=5.0)


async def intercept(msg: "hooks.Incoming") -> list | None:
    if msg.channel != "socketio":
        return None  # Matrix users reach Rasa over REST; their gateway is the bridge
    try:
        cid = (msg.metadata or {}).get("client_msg_id")
        sumber = f"web:{msg.sender_id}:{cid}" if isinstance(cid, str) and cid else None
        answer = await _client().message("web", msg.sender_id, msg.text, sumber=sumber)
    except HandoffUnavailable as exc:
        if msg.sender_id in _handed_off:
            log.warning("handoff service unreachable for a handed-off web citizen: %s", exc)
            task = asyncio.create_task(_retry(msg.sender_id, msg.text, sumber))
            _retries.add(task)
            task.add_done_callback(_retries.discard)
            return [{"text": texts.tertunda()}]
        return None
    if not answer.get("aktif"):
        _handed_off.discard(msg.sender_id)
        return None
    _handed_off.add(msg.sender_id)
    replies = [{"text": t} for t in answer.get("balasan") or []]
    if replies:  # the ticket closed with this message (a left message, or "batal")
        _handed_off.discard(msg.sender_id)
    return replies


def _handoff_of(message) -> dict | None:
    if not isinstance(message, dict):
        return None
    ho = ((message.get("custom") or {}).get("data") or {}).get("handoff")
    return ho if isinstance(ho, dict) and isinstance(ho.get("teks"), str) else None


async def _record(agent, sender: str, handoffs: list[dict]) -> list[dict]:
    """Appends the handoff messages not yet in the tracker as bot events; returns those new ones."""
    from rasa.shared.core.events import BotUttered

    async with agent.lock_store.lock(sender):
        tracker = await agent.tracker_store.get_or_create_tracker(sender)
        known = {((e.data or {}).get("handoff") or {}).get("id") for e in tracker.events
                 if isinstance(e, BotUttered)}
        new = [h for h in handoffs if h.get("id") not in known]
        for h in new:
            tracker.update(BotUttered(h["teks"], data={"handoff": h}))
        if new:
            await agent.tracker_store.save(tracker)
    return new


def add_push_route(bp, channel) -> None:
    if channel.name() != "socketio":
        return
    from sanic import response

    @bp.route("/handoff/push", methods=["POST"])
    async def push(request):
        token = config.client_token() or ""  # the token the Kamtibmas service pushes with
        expected = f"Bearer {token}".encode()
        if not token or not hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected):
            return response.json({"error": "unauthorized"}, status=401)
        body = request.json if isinstance(request.json, dict) else {}
        sender, messages = body.get("sender_id"), body.get("messages")
        if not isinstance(sender, str) or not isinstance(messages, list):
            return response.json({"error": "invalid"}, status=400)
        handoffs = [h for h in (_handoff_of(m) for m in messages) if h]
        if len(handoffs) != len(messages):
            return response.json({"error": "invalid", "pesan": "hanya pesan handoff"}, status=400)
        for h in handoffs:
            if h.get("status") in ("selesai", "terlewat"):
                _handed_off.discard(sender)
            else:
                _handed_off.add(sender)
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return response.json({"error": "unavailable"}, status=503)
        new = await _record(agent, sender, handoffs)
        reached = 0
        if new:
            reached = await channel.push(sender, [{"custom": {"data": {"handoff": h}}} for h in new])
        return response.json({"recorded": len(new), "reached": reached})


def register() -> None:
    if intercept not in hooks.INTERCEPTORS:
        hooks.INTERCEPTORS.append(intercept)
    if add_push_route not in hooks.BLUEPRINT_EXTENSIONS:
        hooks.BLUEPRINT_EXTENSIONS.append(add_push_route)
