"""Every limit of the input channels, in one place (see docs/channels.md).

Environment variables override the fault-handling times (e.g. for a slow deployment); the input
limits are part of the public contract and stay fixed.
"""
from __future__ import annotations

import os


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------- input
MAX_TEXT_CHARS = 2000          # longer messages get a polite reply and never reach the NLU
MAX_BODY_BYTES = 64 * 1024     # REST body; larger bodies get 413 before they are parsed
MAX_SENDER_CHARS = 255         # a Matrix user id is at most 255 characters
MAX_METADATA_BYTES = 8 * 1024  # message metadata (the widget sends display text, id, GPS)

# --------------------------------------------------------------------------------------- faults
# A call to the action server that has not answered after ACTION_TIMEOUT_S is checked: if the
# server answers GET /health within ACTION_PROBE_S it is alive but slow (e.g. loading the knowledge
# base on its first call) and the call may go on up to ACTION_SLOW_TIMEOUT_S; otherwise the server
# counts as hung and the user gets the polite fault reply (about 1.8 s + NLU after the question).
ACTION_TIMEOUT_S = _env_float("ACTION_TIMEOUT_S", 1.0)
ACTION_PROBE_S = _env_float("ACTION_PROBE_S", 0.8)
# Until the action server has answered once (after Rasa starts, or after it was unreachable, i.e.
# a new process), the probe may take a little longer: a new process may still be busy for a moment.
# The action server loads the knowledge base before it serves (actions/__init__.py), so its first
# call is as quick as the rest; a server that hangs before it ever answered still gets the polite
# reply within about 2.7 s.
ACTION_COLD_PROBE_S = _env_float("ACTION_COLD_PROBE_S", 1.6)
ACTION_SLOW_TIMEOUT_S = _env_float("ACTION_SLOW_TIMEOUT_S", 15.0)
# Calls to the action server reuse one kept-alive connection (channels/keepalive.py); one idle for
# longer than this is not reused. Must stay under the action server's keep-alive timeout (Sanic:
# 5 s by default, 75 s as we start it). 0 turns the kept-alive session off (Rasa's own request).
ACTION_KEEPALIVE_S = _env_float("ACTION_KEEPALIVE_S", 2.0)
# After a timeout or a refused connection, calls fail at once for this long (circuit breaker);
# the first call after it probes the server again, so normal answers resume by themselves.
BREAKER_COOLDOWN_S = _env_float("ACTION_BREAKER_COOLDOWN_S", 5.0)
# Last resort: if handling one message takes longer than this (whatever the cause), the user gets
# the polite fault reply; the message keeps being handled in the background (nothing is lost).
REPLY_DEADLINE_S = _env_float("CHANNEL_REPLY_DEADLINE_S", 20.0)
