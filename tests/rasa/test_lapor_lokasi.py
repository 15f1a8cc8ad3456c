"""The web chat's "Bagikan lokasi" step, on the action side: `action_lapor_kirim` puts the browser's
position (user message metadata `lokasi_gps`) on the report only when it is a finite, in-range
lat/lon sent since the form started; anything else is ignored and the report is still recorded.
Runs the real action server against a real report API (fixture `own_stack` of test_lapor_flow)."""
from __future__ import annotations

import math
import time
import uuid

import pytest
from rasa_sdk import Tracker
from test_lapor_flow import FULL, own_stack, run_action, slot_events, texts, tracker  # noqa: F401

from actions.lapor_lokasi import gps_since_form, valid_gps


def with_gps(trk: dict, gps, before_form: bool = False) -> dict:
    """Adds the position to the location answer (a user event after, or before, the form start)."""
    ev = {"event": "user", "text": "Lokasi dari perangkat (±12 m)", "timestamp": time.time(),
          "input_channel": "socketio", "metadata": {"lokasi_gps": gps, "display_text": "x"},
          "parse_data": {"intent": {"name": "lapor_kejadian", "confidence": 1.0}, "entities": []}}
    idx = next(i for i, e in enumerate(trk["events"]) if e["event"] == "active_loop")
    trk["events"].insert(idx if before_form else idx + 1, ev)
    return trk


def submit(own_stack, gps, before_form: bool = False) -> dict:  # noqa: F811
    api, actions = own_stack
    sender = f"web-{uuid.uuid4().hex[:10]}"
    trk = with_gps(tracker(sender, "Truk menabrak dua motor, satu orang luka.", slots=FULL, active=False),
                   gps, before_form)
    res = run_action(actions, "action_lapor_kirim", trk)
    rid = slot_events(res).get("laporan_id")
    assert rid, texts(res)
    status, rep = api.get(f"/v1/reports/{rid}")
    assert status == 200
    assert rep["lokasi"]["teks"] == FULL["lokasi_kejadian"]
    return rep["lokasi"]


def test_valid_position_reaches_the_report(own_stack):  # noqa: F811
    lokasi = submit(own_stack, {"lat": -6.9067, "lon": 109.7321, "akurasi_m": 12})
    assert (lokasi["lat"], lokasi["lon"]) == (-6.9067, 109.7321)


@pytest.mark.parametrize("gps", [
    {"lat": 91, "lon": 109.7},                 # latitude out of range
    {"lat": -6.9, "lon": -180.5},              # longitude out of range
    {"lat": "-6.9", "lon": "109.7"},           # strings, not numbers
    {"lat": True, "lon": 109.7},               # a boolean is not a coordinate
    {"lat": -6.9},                             # half a position
    [-6.9, 109.7],                             # not an object
    "-6.9,109.7",
])
def test_bad_position_is_ignored(own_stack, gps):  # noqa: F811
    lokasi = submit(own_stack, gps)
    assert "lat" not in lokasi and "lon" not in lokasi


def test_position_from_before_the_form_is_not_used(own_stack):  # noqa: F811
    lokasi = submit(own_stack, {"lat": -6.9, "lon": 109.7}, before_form=True)
    assert "lat" not in lokasi and "lon" not in lokasi


def test_validation_rules():
    # values JSON cannot carry (NaN, infinities) but a Python caller could
    for bad in (math.nan, math.inf, -math.inf):
        assert valid_gps({"lat": bad, "lon": 1.0}) is None
        assert valid_gps({"lat": 1.0, "lon": bad}) is None
    assert valid_gps({"lat": 90, "lon": -180}) == {"lat": 90.0, "lon": -180.0}
    assert valid_gps({"lat": -6.12345678, "lon": 109.1, "akurasi_m": "x"}) == {"lat": -6.123457, "lon": 109.1}
    # the newest valid one wins; an invalid later one does not erase it
    events = [{"event": "active_loop", "name": "lapor_form"},
              {"event": "user", "metadata": {"lokasi_gps": {"lat": 1, "lon": 2}}},
              {"event": "user", "metadata": {"lokasi_gps": {"lat": 3, "lon": 4}}},
              {"event": "user", "metadata": {"lokasi_gps": {"lat": 300, "lon": 4}}},
              {"event": "user", "metadata": None}]
    trk = Tracker("s", {}, {}, events, False, None, None, "action_listen")
    assert gps_since_form(trk) == {"lat": 3.0, "lon": 4.0}
