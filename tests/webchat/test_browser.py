"""End to end: headless Chromium -> the edge (Caddy, one origin: fixture edge_url) -> widget and
socket.io over WebSocket -> the REAL Rasa server (fixture rasa_url) -> action server -> knowledge
base, as a citizen uses it. The tracker REST API (with Rasa's token) is used to check what Rasa
understood. The connection-drop test talks to Rasa without the edge (a TCP proxy it can cut)."""

from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import quote

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from scripts import servers

from webchat_support import ARTIFACTS, ChatPage, WebchatServer, browser, tcp_proxy_factory  # noqa: F401  (pytest fixtures)

REFUSAL_WORDS = ("maaf", "tidak dapat", "tidak bisa", "tidak melayani", "tidak menjawab", "di luar",
                 "bukan", "tidak memberikan", "tidak boleh")


class EdgeSite:
    """The page as the public sees it: the test run's edge (servers.py up) in front of the web chat
    server and Rasa's socket.io channel."""

    def __init__(self, edge_url: str) -> None:
        self.url = edge_url.rstrip("/") + "/"


@pytest.fixture(scope="module")
def site(edge_url):
    return EdgeSite(edge_url)


@pytest.fixture
def page(browser, site):
    p = ChatPage(browser, site.url).open()
    p.wait_online()
    return p


def tracker(rasa_url: str, sender: str) -> dict:
    url = servers.with_token(f"{rasa_url}/conversations/{quote(sender, safe='')}/tracker")
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def last_user_turn(tr: dict):
    """(last user event, names of the actions that followed it)."""
    events = tr["events"]
    idx = max(i for i, e in enumerate(events) if e["event"] == "user")
    actions = [e.get("name") or "" for e in events[idx + 1:] if e["event"] == "action"]
    return events[idx], actions


def ask(page: ChatPage, text: str, expect, timeout: float = 120):
    n = page.send(text)
    new = page.wait_bot(expect, n, timeout)
    page.wait_quiet(timeout)
    return new


def test_skck_fee_over_socketio(page, rasa_url, site):
    new = ask(page, "berapa biaya skck", lambda t: "Rp30.000" in t)
    assert any("Rp30.000" in t for t in new)
    # one origin: the page and its socket.io connection both come from the edge, over WebSocket
    assert page.d.current_url == site.url
    page.wait(lambda d: d.execute_script("return document.documentElement.dataset.transport") == "websocket",
              30, "socket.io never upgraded to WebSocket through the edge")
    sockets = page.d.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => n.includes('/socket.io/'))")
    assert sockets and all(n.startswith(site.url + "socket.io/") for n in sockets), sockets
    # the socket.io session id from localStorage is the tracker's sender id (session_persistence)
    user, _ = last_user_turn(tracker(rasa_url, page.session()))
    assert user["text"] == "berapa biaya skck"
    assert user["parse_data"]["intent"]["name"].startswith("skck_")
    assert user["metadata"]["display_text"] == "berapa biaya skck"


def _is_class_c(title: str) -> bool:
    return re.search(r"(^|[\s(])C($|[\s)])", title.strip()) is not None


def test_quick_reply_sim_class_c(page, rasa_url):
    n = page.send("berapa biaya sim")
    page.wait(lambda d: page.buttons(), 120, f"no quick replies; bot said {page.texts('bot')[n:]!r}")
    page.wait_quiet()
    titles = [b.text for b in page.buttons()]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.d.save_screenshot(str(ARTIFACTS / "webchat-mobile.png"))  # 390x844 @2x, buttons visible
    c_buttons = [b for b in page.buttons() if _is_class_c(b.text)]
    assert c_buttons, f"no button for SIM C among {titles}"
    title = c_buttons[0].text
    before = len(page.texts("bot"))
    c_buttons[0].click()
    # the button title (not the payload) is shown as the user's message, buttons disappear
    assert page.texts("user")[-1].endswith(title)
    assert page.buttons() == []
    # focus stays in the chat (log on touch screens, text box otherwise), not lost to <body>
    assert page.d.switch_to.active_element.get_attribute("id") in ("log", "input")
    page.wait_bot(lambda t: "Rp100.000" in t, before, 120)
    page.wait_quiet()
    user, _ = last_user_turn(tracker(rasa_url, page.session()))
    assert user["metadata"]["display_text"] == title


def test_reload_restores_history_from_tracker(page):
    ask(page, "berapa biaya skck", lambda t: "Rp30.000" in t)
    session = page.session()
    # drop the local copy so the history can only come from Rasa's tracker
    page.d.execute_script("localStorage.removeItem('cpp.history')")
    page.open(fresh=False)
    assert page.d.execute_script("return document.documentElement.dataset.historySource") == "tracker"
    assert page.session() == session
    assert any("berapa biaya skck" in t for t in page.texts("user"))
    # /history carries the tracker's messages but none of its internals (slots, intents, entities)
    hist = json.loads(urllib.request.urlopen(page.url + "history/" + session, timeout=30).read())
    assert {"user", "bot"} == {e["event"] for e in hist["events"]}
    assert all(set(e) <= {"event", "text", "metadata", "data"} for e in hist["events"])
    assert "slots" not in json.dumps(hist) and "parse_data" not in json.dumps(hist)
    assert any("Rp30.000" in t for t in page.texts("bot"))
    page.wait_online()
    # the conversation goes on in the same session after the reload
    ask(page, "terima kasih", lambda t: len(t.strip()) > 0)
    assert page.session() == session


def test_html_in_user_message_is_shown_as_text(page):
    evil = "<img src=x onerror=alert(1)>"
    page.send(evil)
    page.wait_quiet(120)  # Rasa acknowledged it (whatever the bot answered, it is rendered by now)
    log = page.d.find_element(By.ID, "log")
    assert log.find_elements(By.CSS_SELECTOR, "img, script, svg, iframe") == []
    assert page.texts("user")[-1].endswith(evil)
    with pytest.raises(NoAlertPresentException):
        alert_text = page.d.switch_to.alert.text
        pytest.fail(f"the page opened an alert: {alert_text!r}")


def test_blocked_question_is_refused(page, rasa_url):
    n = page.send("berapa gaji kapolres batang")
    page.wait_quiet(120)  # acknowledged: every reply for this turn has been rendered
    reply = " ".join(page.texts("bot")[n:]).lower()
    user, actions = last_user_turn(tracker(rasa_url, page.session()))
    assert reply.strip(), f"the bot sent no reply (intent {user['parse_data']['intent']}, actions {actions})"
    assert any(w in reply for w in REFUSAL_WORDS), reply
    assert not re.search(r"\brp\s?\d", reply), f"a refusal must not quote an amount: {reply}"
    intent = user["parse_data"]["intent"]["name"]
    assert intent.startswith("blokir_") or any(
        a.startswith(("action_blokir", "utter_blokir")) for a in actions), (intent, actions)


def test_connection_drop_shows_banner_and_resends(browser, rasa_url, tcp_proxy_factory):
    proxy = tcp_proxy_factory(rasa_url)
    srv = WebchatServer(proxy.url)
    try:
        page = ChatPage(browser, srv.url).open()
        page.wait_online()
        banner = page.d.find_element(By.ID, "conn")
        proxy.stop()  # the mobile connection drops
        page.wait(lambda d: banner.is_displayed()
                  and "Terputus, mencoba menghubungkan lagi" in banner.text, 30)
        n = page.send("berapa biaya skck")
        assert "Menunggu koneksi" in page.d.find_elements(By.CSS_SELECTOR, ".msg.user")[-1].text
        # queued in the widget's outbox (the positive sign it was held back, not sent) ...
        page.wait(lambda d: "berapa biaya skck" in (d.execute_script(
            "return localStorage.getItem('cpp.outbox')") or ""), 10, "the message never reached the outbox")
        # ... and, with the only path to Rasa cut, Rasa has not seen it and nobody answered
        assert "berapa biaya skck" not in [e.get("text") for e in tracker(rasa_url, page.session())["events"]]
        assert page.texts("bot")[n:] == []
        proxy.start()  # back online: socket.io reconnects, the queued message is re-sent
        page.wait_bot(lambda t: "Rp30.000" in t, n, 120)
        page.wait_quiet()
        assert "Menunggu koneksi" not in page.d.find_elements(By.CSS_SELECTOR, ".msg.user")[-1].text
        page.wait(lambda d: not banner.is_displayed() or "Terhubung" in banner.text, 10)
        # exactly one copy of the question reached Rasa
        events = tracker(rasa_url, page.session())["events"]
        assert [e["text"] for e in events if e["event"] == "user"].count("berapa biaya skck") == 1
    finally:
        srv.close()
