"""Input validation shared by the REST and socket.io channels: every malformed input becomes an
`Invalid` (HTTP status + error code), never an exception inside Rasa."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .limits import MAX_BODY_BYTES, MAX_METADATA_BYTES, MAX_SENDER_CHARS
from .texts import error

# Metadata keys only the server may set: actions treat `is_external` as "injected by the report
# service" (actions/lapor.py), so a client must never send it.
SERVER_ONLY_METADATA = ("is_external",)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Invalid(Exception):
    def __init__(self, code: str, status: int = 400):
        super().__init__(code)
        self.code, self.status = code, status

    def body(self) -> dict:
        return error(self.code)


@dataclass
class Fields:
    sender_id: str
    text: str
    metadata: dict


def _utf8_ok(value: str) -> bool:
    try:
        value.encode("utf-8")  # lone surrogates ("\ud800" in JSON) cannot be stored or sent back
        return True
    except UnicodeEncodeError:
        return False


def sender(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # Rasa accepted numeric senders; keep that
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SENDER_CHARS \
            or _CONTROL.search(value) or not _utf8_ok(value):
        raise Invalid("bad_sender")
    return value


def text(value: Any) -> str:
    """The message text: a non-empty string; control characters become spaces. The length limit
    is not checked here (an over-long message gets a polite bot reply, not an error)."""
    if not isinstance(value, str) or not _utf8_ok(value):
        raise Invalid("bad_message")
    value = _CONTROL.sub(" ", value)
    if not value.strip():
        raise Invalid("bad_message")
    return value


def metadata(value: Any) -> dict:
    if value is None:
        return {}
    if isinstance(value, str):  # Rasa's socket.io channel accepts metadata as a JSON string
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise Invalid("bad_metadata") from exc
    if not isinstance(value, dict):
        raise Invalid("bad_metadata")
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise Invalid("bad_metadata") from exc
    if size > MAX_METADATA_BYTES:
        raise Invalid("bad_metadata")
    return {k: v for k, v in value.items() if k not in SERVER_ONLY_METADATA}


def rest_body(raw: bytes) -> Fields:
    """POST /webhooks/rest/webhook body: {"sender": str, "message": str, "metadata"?: object}."""
    if len(raw) > MAX_BODY_BYTES:
        raise Invalid("too_large", 413)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("bad_encoding") from exc
    try:
        data = json.loads(decoded)
    except (ValueError, RecursionError) as exc:
        raise Invalid("bad_json") from exc
    if not isinstance(data, dict):
        raise Invalid("not_object")
    return Fields(sender(data.get("sender")), text(data.get("message")), metadata(data.get("metadata")))


def socketio_event(data: Any, session_persistence: bool, sid: str,
                   metadata_key: str = "metadata") -> Fields:
    """A `user_uttered` event: {"message": str, "session_id": str, "metadata"?: object}."""
    if not isinstance(data, dict):
        raise Invalid("not_object")
    if session_persistence:
        session = data.get("session_id")
        if not isinstance(session, str) or not session:
            raise Invalid("bad_session")
        try:
            sender_id = sender(session)
        except Invalid as exc:
            raise Invalid("bad_session") from exc
    else:
        sender_id = sid
    return Fields(sender_id, text(data.get("message")), metadata(data.get(metadata_key)))


def session_id(value: Any) -> str | None:
    """The session id a widget asks for in `session_request`; None = give it a new one."""
    if not isinstance(value, dict):
        return None
    value = value.get("session_id")
    try:
        return sender(value) if isinstance(value, str) else None
    except Invalid:
        return None
