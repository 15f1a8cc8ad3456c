"""Human handoff on the Rasa side (real model + action server; no handoff service running):
many wordings reach layanan_handoff, a request mixed with a refused question is refused and never
handed off, the bot offers a person after two failed clarifications, and an unreachable handoff
service is said honestly (with 110/112). The full flows: tests/matrix/test_handoff*.py."""
from __future__ import annotations

import uuid

import pytest

ASKS = ["saya mau bicara dengan petugas", "sambungkan ke polisi", "minta operator",
        "bisa ngobrol sama petugas yang asli?", "tolong hubungkan saya ke petugas polres"]


@pytest.mark.parametrize("text", ASKS)
def test_wordings_reach_layanan_handoff(parse, text):
    assert parse(text)["intent"]["name"] == "layanan_handoff"


@pytest.mark.parametrize("text, refusal", [
    ("sambungkan ke petugas, saya mau tahu gaji kapolres", "tentang gaji"),
    ("minta nomor hp pribadi kapolres, sambungkan ke operator", "data pribadi"),
])
def test_refused_request_is_never_handed_off(chat, text, refusal):
    replies = " ".join(m.get("text") or "" for m in chat(f"ho-{uuid.uuid4().hex[:8]}", text))
    assert refusal in replies and "tidak dapat" in replies, replies
    assert "petugas piket" not in replies and "sambung ke petugas" not in replies, replies


def test_person_offered_after_two_failed_clarifications(chat):
    sender = f"kl-{uuid.uuid4().hex[:8]}"
    unclear = ["blorp zzzt krrk", "mnbvc lkjhg poiuy", "qwrtp xzcvb wqrtz"]
    payloads = []
    for text in unclear:
        payloads.append([b["payload"] for m in chat(sender, text) for b in m.get("buttons") or []])
    assert payloads[0] and "/layanan_handoff" not in payloads[0] + payloads[1], payloads
    assert payloads[2][0] == "/layanan_handoff", payloads
    # the button asks for a person; here no handoff service runs: said honestly, with 110/112
    reply = " ".join(m.get("text") or "" for m in chat(sender, "/layanan_handoff"))
    assert "tidak dapat dihubungi" in reply and "110" in reply and "112" in reply, reply
