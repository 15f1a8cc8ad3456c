"""Action server faults end politely and quickly (issue 13).

Rasa 3.6 calls the action server from `RemoteAction.run` (rasa/core/actions/action.py) with a
5-minute timeout, and a `asyncio.TimeoutError` from a custom slot mapping escapes Rasa's own error
handling (a 500). `install()` wraps that one method, once, when a channel module is imported:

- a call without an answer after ACTION_TIMEOUT_S goes on when the action server answered another
  call since it started (under load both share the CPU with this event loop), else is checked
  with GET /health on the action server (ACTION_PROBE_S; ACTION_COLD_PROBE_S until the server
  has answered once since Rasa started or since it was unreachable): alive but slow -> the call goes on (up to
  ACTION_SLOW_TIMEOUT_S);
  no answer -> the server is hung. A hung or refused server opens a circuit breaker for
  BREAKER_COOLDOWN_S, during which calls fail at once (the first call after it probes again);
- every failure becomes a `RasaException`, which Rasa already handles: the processor logs it,
  drops that action's events and goes on, the user's message is saved in the tracker and the
  conversation lock is released as usual;
- failures are noted on the message being handled (a context variable), so `run_guarded` can add
  the polite Indonesian reply (with 110/112) and record it in the tracker.

`install()` also replaces `RemoteAction._validate_action_result` (performance, docs/performance.md):
Rasa calls `jsonschema.validate`, which checks the response schema itself against the JSON Schema
meta-schema on every action call (15% of the Rasa process's CPU under load). The same schema is
checked once and its validator reused; the check of each response and its error are unchanged.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from typing import Any, Awaitable, Callable, Optional

import aiohttp
import jsonschema
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered
from rasa.shared.exceptions import RasaException

from . import limits, texts

log = logging.getLogger(__name__)


class FaultLog:
    """Action-server failures seen while one user message was handled."""

    def __init__(self) -> None:
        self.failures: list[str] = []


_CURRENT: contextvars.ContextVar[Optional[FaultLog]] = contextvars.ContextVar(
    "channels_fault_log", default=None)


class Breaker:
    """Open for BREAKER_COOLDOWN_S after the action server hung or refused a connection. `warm`:
    the server answered since Rasa started or since it was last unreachable."""

    def __init__(self) -> None:
        self.open_until = 0.0
        self.warm = False
        self.last_answer = -1e9  # time.monotonic() of the action server's latest answer

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        self.open_until = time.monotonic() + limits.BREAKER_COOLDOWN_S

    def reset(self) -> None:
        self.open_until = 0.0
        self.warm = True
        self.last_answer = time.monotonic()

    def answered_since(self, moment: float) -> bool:
        return self.last_answer > moment


BREAKER = Breaker()


def _note(what: str) -> None:
    current = _CURRENT.get()
    if current is not None:
        current.failures.append(what)


def _server_down(exc: BaseException) -> bool:
    """True when Rasa's RasaException hides a connection failure (refused, reset, closed)."""
    seen = exc.__cause__ or exc.__context__
    return isinstance(seen, (aiohttp.ClientConnectionError, ConnectionError, OSError))


def _health_url(endpoint: Any) -> Optional[str]:
    url = getattr(endpoint, "url", None)
    if not url:
        return None
    return url.rstrip("/").removesuffix("/webhook") + "/health"  # rasa-sdk's health route


async def _alive(endpoint: Any) -> bool:
    """True when the action server answers GET /health within ACTION_PROBE_S (ACTION_COLD_PROBE_S
    while it is cold)."""
    url = _health_url(endpoint)
    if url is None:
        return False
    wait = limits.ACTION_PROBE_S if BREAKER.warm else limits.ACTION_COLD_PROBE_S
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=wait)) as s:
            async with s.get(url) as r:
                return r.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


async def _answer_or_hung(call: asyncio.Future, endpoint: Any) -> bool:
    """Waits for the call; False when the action server is hung (the call is then cancelled).
    The server is alive when it answered another call since this one started, or its health
    probe answers: under load (this event loop and the action server share the CPU) both the
    call and the probe can be late, while a hung server answers nothing at all."""
    started = time.monotonic()
    done, _ = await asyncio.wait({call}, timeout=limits.ACTION_TIMEOUT_S)
    if not done and (BREAKER.answered_since(started) or await _alive(endpoint)
                     or BREAKER.answered_since(started)):
        done, _ = await asyncio.wait({call}, timeout=limits.ACTION_SLOW_TIMEOUT_S)
    return bool(done)


_RESPONSE_VALIDATOR: list = []  # the action response schema's validator, built on first use


def _validate_action_result(self: RemoteAction, result: dict) -> bool:
    """As RemoteAction._validate_action_result, with the schema checked once, not per call."""
    if not _RESPONSE_VALIDATOR:
        schema = self.action_response_format_spec()
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _RESPONSE_VALIDATOR.append(cls(schema))
    error = jsonschema.exceptions.best_match(_RESPONSE_VALIDATOR[0].iter_errors(result))
    if error is not None:
        error.message += (". Failed to validate Action server response from API, make sure your "
                          "response from the Action endpoint is valid.")
        raise error
    return True


def install() -> None:
    """Wraps RemoteAction.run and replaces its response validation (idempotent)."""
    if getattr(RemoteAction.run, "_channels_guarded", False):
        return
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    original = RemoteAction.run

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any):
        name = self.name()
        if BREAKER.is_open():
            _note(f"{name}: skipped, action server unavailable")
            raise RasaException(f"Action server unavailable (circuit open); '{name}' not run.")
        call = asyncio.ensure_future(original(self, output_channel, nlg, tracker, domain))
        try:
            if not await _answer_or_hung(call, self.action_endpoint):
                BREAKER.trip()
                _note(f"{name}: action server hung")
                log.error("action server: no answer to '%s' and no health answer; circuit open for %s s",
                          name, limits.BREAKER_COOLDOWN_S)
                raise RasaException(f"Action server hung running '{name}'.")
            events = call.result()
        except ActionExecutionRejection:
            raise  # a form rejecting its input: normal dialogue, not a fault
        except RasaException as exc:
            if _server_down(exc):
                BREAKER.trip()
                BREAKER.warm = False  # whatever answers next is a new process
                log.error("action server unreachable running '%s'; circuit open for %s s",
                          name, limits.BREAKER_COOLDOWN_S)
            _note(f"{name}: {exc}")
            raise
        except Exception as exc:  # noqa: BLE001 - anything else is a fault of this action too
            _note(f"{name}: {exc!r}")
            raise RasaException(f"Action '{name}' failed: {exc!r}") from exc
        finally:
            if not call.done():
                call.cancel()
        BREAKER.reset()
        return events

    run._channels_guarded = True  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[method-assign]


async def _record_reply(agent: Any, sender_id: str, text: str) -> None:
    """Adds the polite reply to the tracker, so the conversation history shows it."""
    processor = getattr(agent, "processor", None)
    if processor is None:
        return
    try:
        async with agent.lock_store.lock(sender_id):
            tracker = await processor.get_tracker(sender_id)
            tracker.update(BotUttered(text, metadata={"channels": "fault"}))
            await processor.save_tracker(tracker)
    except Exception:  # noqa: BLE001 - the reply was sent; history is best effort
        log.exception("could not record the fault reply for %s", sender_id)


def _log_late(task: asyncio.Task) -> None:
    if task.cancelled():
        log.error("a message handled after the reply deadline was cancelled")
    elif task.exception() is not None:
        log.error("a message handled after the reply deadline failed: %r", task.exception())
    else:
        log.warning("a message was handled after the reply deadline (%s s)", limits.REPLY_DEADLINE_S)


async def run_guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                      agent: Any) -> None:
    """Runs Rasa on one message; on any fault the user gets texts.FAULT instead of silence, a 500
    or a long wait. The handling itself goes on in its own task (a client that disconnects, or
    the REPLY_DEADLINE_S last resort, never loses the message)."""
    faults = FaultLog()
    token = _CURRENT.set(faults)
    try:
        task = asyncio.ensure_future(on_new_message(message))  # copies the context: sees `faults`
    finally:
        _CURRENT.reset(token)
    done, _ = await asyncio.wait({task}, timeout=limits.REPLY_DEADLINE_S)
    finished = task in done
    if finished and not task.cancelled() and task.exception() is not None:
        log.error("handling a message of %s failed: %r", message.sender_id, task.exception())
        faults.failures.append(repr(task.exception()))
    elif finished and task.cancelled():
        faults.failures.append("cancelled")
    elif not finished:
        task.add_done_callback(_log_late)
        faults.failures.append(f"no reply within {limits.REPLY_DEADLINE_S} s")
    if not faults.failures:
        return
    log.warning("fault reply to %s: %s", message.sender_id, "; ".join(faults.failures)[:500])
    # Handling that raised (e.g. Redis lock/tracker store down) never saved the message: say so and
    # ask for it again. An action-server fault is handled by Rasa, which saved the message.
    unsaved = finished and (task.cancelled() or task.exception() is not None)
    reply = texts.FAULT_RETRY if unsaved else texts.FAULT
    if not finished and isinstance(message.output_channel, CollectingOutputChannel):
        # REST (the Matrix bridge too): the late answer goes to a response already sent, so the
        # citizen never reads it; the history must end with the fault reply they did read. Its
        # recording takes a conversation-lock ticket now, before the reply goes out: it is served
        # right after the late handling (whose ticket is older) and before the citizen's next
        # message. socket.io still delivers the late answer, after the fault reply: nothing added.
        late = asyncio.ensure_future(_record_reply(agent, message.sender_id, reply))
        _LATE.add(late)
        late.add_done_callback(_LATE.discard)
        await asyncio.sleep(0)  # let it take its ticket
    await message.output_channel.send_response(message.sender_id, {"text": reply})
    if finished and not unsaved:
        await _record_reply(agent, message.sender_id, reply)


_LATE: set = set()  # recordings queued behind late handlings (a reference, so they are not collected)
