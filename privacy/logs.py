"""Masking of personal data (NIK, phone, e-mail) and report status codes in log lines
(standard library only).

`install()` is called once at start-up by each of our processes (Matrix bridge + report API,
report API standalone, web chat server, dashboard, action server via actions/__init__.py, and the
Rasa server via the tracker store module it loads). It masks every log record the process
creates, whatever logger or handler it goes through (Rasa, Sanic, aiohttp and our own loggers),
by wrapping the log-record factory with `MaskingFilter`. `MaskingFilter` is also an ordinary
`logging.Filter` for handlers configured by hand.

A record is masked once: the message is formatted (`msg % args`), masked, and stored back with
empty args. Exception texts are masked too (a traceback can quote a message).
"""
from __future__ import annotations

import logging

from .masking import mask_codes, mask_text

_INSTALLED = "_privacy_masking_installed"


class MaskingFilter(logging.Filter):
    """Masks NIK, phone numbers and e-mail addresses in the record; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_privacy_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logging's problem, not ours
            return True
        masked = mask_codes(mask_text(message))
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        record._privacy_masked = True
        return True


def install() -> None:
    """Mask every log record created in this process from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, _INSTALLED, False):
        return
    flt = MaskingFilter()

    def masked_factory(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        flt.filter(record)
        return record

    setattr(masked_factory, _INSTALLED, True)
    logging.setLogRecordFactory(masked_factory)
