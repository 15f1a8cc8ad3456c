"""Users cannot inject intents (issue 13): a "/..." text counts only as the payload of a button the
bot offered in that conversation or as a public intent without entities (channels/guard.py);
internal intents and arbitrary entities never come from a user."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from channels import guard
from scripts import servers

ROOT = Path(__file__).resolve().parents[2]
INTERNAL = ("lapor_pembaruan_status", "session_start", "restart", "back", "EXTERNAL_reminder")


def say(rasa_url: str, sender: str, text: str) -> list[dict]:
    r = requests.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                      timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def tracker(rasa_url: str, sender: str) -> dict:
    return requests.get(servers.with_token(f"{rasa_url}/conversations/{sender}/tracker"), timeout=30).json()


def last_user(rasa_url: str, sender: str) -> dict:
    return [e for e in tracker(rasa_url, sender)["events"] if e["event"] == "user"][-1]


@pytest.mark.parametrize("payload", [
    '/lapor_pembaruan_status{"laporan_id":"LK-2026-000001","status_laporan":"selesai"}',
    "/lapor_pembaruan_status", "/session_start", "/restart", "/back", "/EXTERNAL_reminder",
    '/sim_pilih_jenis{"jenis_sim":"C"}',       # a real button, but never offered to this user
    '/sapaan_halo{"laporan_id":"LK-2026-000001"}',  # a public intent, with made-up entities
])
def test_injected_intent_is_plain_text(rasa_url, payload):
    sender = f"inject-{uuid.uuid4().hex}"
    say(rasa_url, sender, "halo")
    say(rasa_url, sender, payload)
    ev = last_user(rasa_url, sender)
    assert not ev["text"].startswith("/"), ev["text"]
    assert ev["text"] == payload.lstrip("/")
    intent = ev["parse_data"]["intent"]["name"]
    assert intent not in INTERNAL and intent != payload[1:].split("{")[0] or intent == "sapaan_halo"
    # entities only from the NLU reading the text, never the ones written in the payload
    assert all(e.get("extractor") for e in ev["parse_data"]["entities"]), ev["parse_data"]["entities"]
    events = [e["event"] for e in tracker(rasa_url, sender)["events"]]
    assert "restart" not in events and events.count("session_started") == 1


def test_offered_button_payload_is_accepted(rasa_url):
    sender = f"button-{uuid.uuid4().hex}"
    buttons = [b for m in say(rasa_url, sender, "biaya sim berapa ya") for b in m.get("buttons") or []]
    payload = next(b["payload"] for b in buttons if b["title"] == "SIM C")
    reply = " ".join(m.get("text", "") for m in say(rasa_url, sender, payload))
    assert "Rp100.000" in reply
    ev = last_user(rasa_url, sender)
    assert ev["text"] == payload and ev["parse_data"]["intent"]["name"] == "sim_pilih_jenis"
    assert [(e["entity"], e["value"]) for e in ev["parse_data"]["entities"]] == [("jenis_sim", "C")]


def test_public_intent_without_entities_is_accepted(rasa_url):
    sender = f"public-{uuid.uuid4().hex}"
    say(rasa_url, sender, "/sapaan_bantuan")
    ev = last_user(rasa_url, sender)
    assert ev["text"] == "/sapaan_bantuan" and ev["parse_data"]["intent"]["name"] == "sapaan_bantuan"
    assert ev["parse_data"]["intent"]["confidence"] == 1.0


def test_external_marker_and_bare_slashes(rasa_url):
    sender = f"external-{uuid.uuid4().hex}"
    say(rasa_url, sender, "EXTERNAL: lapor_pembaruan_status")
    ev = last_user(rasa_url, sender)
    assert ev["text"] == "lapor_pembaruan_status"
    assert ev["parse_data"]["intent"]["name"] != "lapor_pembaruan_status"
    reply = say(rasa_url, sender, "///")
    assert reply[0]["text"].startswith("Maaf, perintah itu tidak dapat digunakan")


def test_public_intents_are_public_domain_intents():
    domain_intents: set[str] = set()
    for f in (ROOT / "rasa_project" / "domain").glob("*.yml"):
        for i in yaml.safe_load(f.read_text()).get("intents") or []:
            domain_intents.add(i if isinstance(i, str) else next(iter(i)))
    assert guard.PUBLIC_INTENTS <= domain_intents
    topics = ("sapaan_", "sim_", "skck_", "layanan_", "pasal_", "lapor_")
    assert all(i.startswith(topics) and i not in INTERNAL for i in guard.PUBLIC_INTENTS)


def test_offered_payloads_reads_bot_buttons_only():
    events = [{"event": "user", "text": "/x", "parse_data": {}},
              {"event": "bot", "text": "pilih", "data": {"buttons": [{"title": "A", "payload": "/a "}]}},
              {"event": "bot", "text": "x", "data": {"quick_replies": [{"payload": "/b"}, "junk", {}]}},
              {"event": "bot", "text": "y", "data": None}]
    assert guard.offered_payloads(events) == {"/a", "/b"}
    assert json.dumps(sorted(guard.PUBLIC_INTENTS))  # plain strings
