"""The foundation contract: a real trained model answers over REST through the action server,
the API is enabled, and the trained intents keep their topic prefixes."""
import json
import re
import urllib.request
import uuid

from scripts import servers

# The naming contract (docs/architecture.md): topic prefixes, plus lanjut_ for topic-less follow-ups.
TOPICS = ("sim_", "skck_", "pasal_", "layanan_", "lapor_", "sapaan_", "blokir_", "lanjut_")


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def test_status_reports_a_loaded_model(rasa_url):
    status = get_json(servers.with_token(f"{rasa_url}/status"))
    assert re.search(r"chat-pak-polisi-[0-9a-f]{12}\.tar\.gz$", status["model_file"])


def test_new_sim_c_fee_comes_from_the_knowledge_base(chat):
    replies = chat(f"t-{uuid.uuid4().hex}", "berapa biaya bikin SIM C baru?")
    text = " ".join(r.get("text", "") for r in replies)
    assert "Rp100.000" in text, replies


def test_answer_is_produced_by_a_custom_action(rasa_url, chat):
    sender = f"t-{uuid.uuid4().hex}"
    chat(sender, "berapa biaya bikin SIM C baru?")
    tracker = get_json(servers.with_token(f"{rasa_url}/conversations/{sender}/tracker"))
    actions = [e["name"] for e in tracker["events"] if e["event"] == "action"]
    custom = [a for a in actions if a.startswith("action_") and not a.startswith("action_listen")
              and a not in ("action_session_start",)]
    assert custom, actions


def test_every_intent_in_the_domain_has_a_topic_prefix(rasa_url):
    domain = get_json(servers.with_token(f"{rasa_url}/domain"))
    intents = [next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]]
    rasa_builtin = {"nlu_fallback", "out_of_scope", "restart", "back", "session_start"}
    bad = [i for i in intents if i not in rasa_builtin and not i.startswith(TOPICS)]
    assert not bad, f"intents without a topic prefix: {bad}"


def test_socketio_channel_is_mounted(rasa_url):
    # The engine.io handshake answers on the socket.io path when the channel is configured.
    with urllib.request.urlopen(f"{rasa_url}/socket.io/?EIO=4&transport=polling", timeout=30) as r:
        body = r.read().decode()
    assert '"sid"' in body
