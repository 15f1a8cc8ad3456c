"""Coordinates for a web report: the web chat's optional "Bagikan lokasi" step.

The widget (webchat/public/lokasi.js) shows a "📍 Bagikan lokasi" button when the report form asks
for the location (it recognises the question by the custom marker `MINTA_LOKASI` that
`action_ask_lokasi_kejadian` sends to socket.io clients). The browser's position travels as user
message metadata `{"lokasi_gps": {"lat", "lon", "akurasi_m"?}}`; no slot holds it.
`action_lapor_kirim` takes the most recent valid one sent since the form started. The metadata comes
from the client, so it is only ever used as a point on the operators' map: finite numbers in range,
nothing else is read from it.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker

FORM = "lapor_form"
# socket.io channel: `custom` is emitted as bot_uttered(**custom), so the client receives `data`.
MINTA_LOKASI = {"data": {"minta_lokasi": True}}
WEB_CHANNEL = "socketio"


def _number(value: Any, low: float, high: float) -> Optional[float]:
    # bool is an int subclass: true/false are not coordinates
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    if not math.isfinite(value) or not low <= value <= high:
        return None
    return value


def valid_gps(raw: Any) -> Optional[Dict[Text, float]]:
    """{"lat", "lon"} from untrusted metadata, or None when it is not a usable position."""
    if not isinstance(raw, dict):
        return None
    lat, lon = _number(raw.get("lat"), -90, 90), _number(raw.get("lon"), -180, 180)
    if lat is None or lon is None:
        return None
    return {"lat": round(lat, 6), "lon": round(lon, 6)}


def gps_since_form(tracker: Tracker) -> Optional[Dict[Text, float]]:
    """The newest valid `metadata.lokasi_gps` among the user messages since `lapor_form` started."""
    for ev in reversed(tracker.events or []):
        if ev.get("event") == "active_loop" and ev.get("name") == FORM:
            return None  # reached the form's start without a usable position
        if ev.get("event") == "user":
            gps = valid_gps((ev.get("metadata") or {}).get("lokasi_gps"))
            if gps:
                return gps
    return None


def wants_marker(tracker: Tracker) -> bool:
    """Only the web chat understands the marker; the Matrix bridge (REST) has m.location instead."""
    return tracker.get_latest_input_channel() == WEB_CHANNEL
