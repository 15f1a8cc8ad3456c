"""Helpers of the handoff tests (tests/matrix/test_handoff.py, tests/webchat/test_handoff_web.py):
a bridge whose internal API is where the test action server looks for it, and waits on the
operator room."""
from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scripts import servers

ROOT = Path(__file__).resolve().parents[2]
LATENCY_FILE = ROOT / "out" / "eval" / "handoff-latency.json"


def api_settings() -> dict:
    """reports_port / reports_token of the bridge: the address and token the running action server
    was given (`servers.py up` writes REPORTS_API_URL and REPORTS_TOKEN)."""
    if not (os.environ.get("REPORTS_API_URL") and os.environ.get("REPORTS_TOKEN")):
        pytest.fail("REPORTS_API_URL / REPORTS_TOKEN are not set: start the servers with "
                    "`scripts/servers.py up STATE.json` and export its values (scripts/test.sh does)")
    return {"reports_port": urlsplit(os.environ["REPORTS_API_URL"]).port,
            "reports_token": os.environ["REPORTS_TOKEN"]}


def rasa_user_texts(rasa_url: str, sender: str) -> list[str]:
    """What Rasa's tracker of `sender` holds as user messages (messages Rasa was asked)."""
    from urllib.parse import quote
    url = servers.with_token(f"{rasa_url}/conversations/{quote(sender, safe='@:')}/tracker")
    with urllib.request.urlopen(url, timeout=30) as r:
        tracker = json.loads(r.read())
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]


def body(ev: dict) -> str:
    return (ev.get("content") or {}).get("body", "")


def in_thread(ev: dict, root: str) -> bool:
    rel = (ev.get("content") or {}).get("m.relates_to") or {}
    return rel.get("rel_type") == "m.thread" and rel.get("event_id") == root


async def ticket_root(op, oproom: str, bot_id: str, who: str, start: int, timeout: float = 60) -> dict:
    _, ev = await op.wait_for(lambda r, e: r == oproom and e.get("sender") == bot_id
                              and "Permintaan bicara dengan petugas" in body(e) and who in body(e),
                              timeout, start)
    return ev


async def thread_text(op, oproom: str, bot_id: str, root: str, contains: str, start: int,
                      timeout: float = 60) -> dict:
    _, ev = await op.wait_for(lambda r, e: r == oproom and e.get("sender") == bot_id
                              and in_thread(e, root) and contains in body(e), timeout, start)
    return ev


def record_latency(channel: str, samples_ms: list[float]) -> dict:
    """Writes the measured operator-message-to-citizen-screen latencies to out/eval."""
    samples = sorted(samples_ms)
    stats = {"samples": len(samples), "min_ms": round(samples[0], 1),
             "median_ms": round(samples[len(samples) // 2], 1), "max_ms": round(samples[-1], 1),
             "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    LATENCY_FILE.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(LATENCY_FILE.read_text()) if LATENCY_FILE.exists() else {}
    data[channel] = stats
    LATENCY_FILE.write_text(json.dumps(data, indent=2) + "\n")
    print(f"handoff latency operator -> citizen ({channel}): {stats}")
    return stats
