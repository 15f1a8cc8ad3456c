"""Widget behaviour in a real headless Chromium that needs no Rasa: safe rendering, emergency links,
offline banner, persistent outbox, page weight. (The Rasa URL points to a closed port.)"""

from __future__ import annotations

import json

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from devtools.net import free_port

from webchat_support import (
    ARTIFACTS,
    ChatPage,
    WebchatServer,
    browser,  # noqa: F401  (pytest fixtures)
)

ALLOWED_TAGS = {"P", "BR", "STRONG", "EM", "UL", "OL", "LI", "A"}


@pytest.fixture(scope="module")
def page(browser):
    srv = WebchatServer(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    try:
        yield ChatPage(browser, srv.url).open()
    finally:
        srv.close()


def render(page, text):
    """Runs the widget's own renderer on `text`; returns (tags, links, textContent)."""
    return page.d.execute_script("""
        const box = document.createElement('div');
        window.ChatPakPolisi.renderMarkdown(arguments[0], box);
        const all = Array.from(box.querySelectorAll('*'));
        return [all.map(e => e.tagName),
                Array.from(box.querySelectorAll('a')).map(a => [a.textContent, a.getAttribute('href'),
                                                               a.getAttribute('rel'),
                                                               a.getAttribute('target')]),
                box.textContent,
                all.flatMap(e => Array.from(e.attributes).map(a => a.name))];
    """, text)


@pytest.mark.parametrize("evil", [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**<b onmouseover=alert(1)>x</b>**",
    "[klik](javascript:alert(1))",
    "[klik](data:text/html,<script>alert(1)</script>)",
    "- <svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
])
def test_markup_in_messages_is_text(page, evil):
    tags, links, text, attrs = render(page, evil)
    assert set(tags) <= ALLOWED_TAGS, tags
    assert all(href.startswith(("http://", "https://", "tel:")) for _, href, _, _ in links), links
    assert not {a for a in attrs if a.startswith("on")}
    # every character of the input that is not markdown syntax is still visible as text
    assert "alert(1)" in text


def test_markdown_subset(page):
    tags, links, text, _ = render(page, (
        "**Biaya** SIM C *baru* Rp100.000\nbaris dua\n\n- satu\n- dua __tebal__\n1. pertama\n2. kedua\n"
        "Info: https://www.polri.go.id/layanan. dan [Korlantas](https://korlantas.polri.go.id) atau "
        "[telepon 110](tel:110). nama_intent_biasa tetap (_catatan_) 2*3*4"))
    assert tags.count("STRONG") == 2 and tags.count("EM") == 2
    assert tags.count("UL") == 1 and tags.count("OL") == 1 and tags.count("LI") == 4
    assert "BR" in tags
    assert ["https://www.polri.go.id/layanan", "https://www.polri.go.id/layanan",
            "noopener noreferrer", "_blank"] in links
    assert ["Korlantas", "https://korlantas.polri.go.id/", "noopener noreferrer", "_blank"] in links
    assert ["telepon 110", "tel:110", None, None] in links
    assert "nama_intent_biasa tetap (catatan) 2*3*4" in text  # no italics inside words/numbers


def test_emergency_numbers_always_visible(page):
    links = page.d.find_elements(By.CSS_SELECTOR, "#sos a[href^='tel:']")
    hrefs = {a.get_attribute("href") for a in links}
    assert {"tel:110", "tel:112"} <= hrefs
    assert all(a.is_displayed() for a in links)
    assert page.d.execute_script("return document.documentElement.lang") == "id"


def test_offline_banner_and_message_kept_in_outbox(page):
    banner = page.d.find_element(By.ID, "conn")
    page.wait(lambda d: banner.is_displayed() and "Terputus" in banner.text, 30)
    assert banner.get_attribute("role") == "status"
    page.send("<img src=x onerror=alert(1)> berapa biaya skck")
    row = page.d.find_elements(By.CSS_SELECTOR, ".msg.user")[-1]
    assert "Menunggu koneksi" in row.text
    assert row.find_elements(By.TAG_NAME, "img") == []
    assert "<img src=x onerror=alert(1)> berapa biaya skck" in row.text
    with pytest.raises(NoAlertPresentException):
        alert_text = page.d.switch_to.alert.text
        pytest.fail(f"the page opened an alert: {alert_text!r}")
    outbox = json.loads(page.d.execute_script("return localStorage.getItem('cpp.outbox')"))
    assert [o["text"] for o in outbox] == ["<img src=x onerror=alert(1)> berapa biaya skck"]
    # still queued after a reload (nothing lost on a patchy connection)
    page.open(fresh=False)
    assert "Menunggu koneksi" in page.d.find_elements(By.CSS_SELECTOR, ".msg.user")[-1].text
    # accessibility basics
    log = page.d.find_element(By.ID, "log")
    assert log.get_attribute("aria-live") == "polite" and log.get_attribute("role") == "log"
    label = page.d.find_element(By.CSS_SELECTOR, "label[for='input']")
    assert label.get_attribute("textContent").strip()


def test_layout_when_the_on_screen_keyboard_opens(page):
    """Keyboard open on a 390x844 phone leaves ~390 px: header, 110/112, log and text box must fit."""
    d = page.d
    try:
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": 390, "height": 390, "deviceScaleFactor": 2, "mobile": True})
        page.wait(lambda drv: drv.execute_script("return window.innerHeight") <= 400, 10)
        # the layout after the resize: wait two animation frames (style, layout and paint done)
        d.execute_async_script("const done = arguments[arguments.length - 1];"
                               "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")
        geo = d.execute_script("""
            const r = id => document.getElementById(id).getBoundingClientRect();
            return {h: window.innerHeight, input: r('input'), send: r('send'), sos: r('sos'), log: r('log'),
                    scrollY: window.scrollY};
        """)
        assert geo["input"]["bottom"] <= geo["h"] and geo["send"]["bottom"] <= geo["h"], geo
        assert geo["sos"]["top"] >= 0 and geo["sos"]["bottom"] <= geo["h"], geo
        assert geo["log"]["height"] >= 80, geo  # some conversation stays visible
        d.save_screenshot(str(ARTIFACTS / "webchat-keyboard-open.png"))
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_page_weight(page):
    """Bytes over the wire for a first visit (gzip on), measured from Resource Timing entries."""
    page.d.execute_script("localStorage.clear()")
    page.d.get("about:blank")
    page.d.execute_cdp_cmd("Network.enable", {})
    page.d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        page.open(fresh=False)
        entries = page.d.execute_script("""
            const origin = location.origin;
            return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
              .filter(e => e.name.startsWith(origin))
              .map(e => ({name: e.name.replace(origin, ''), transfer: e.transferSize, body: e.encodedBodySize,
                          decoded: e.decodedBodySize}));
        """)
    finally:
        page.d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    names = {e["name"] for e in entries}
    assert {"/", "/widget.js", "/widget.css", "/vendor/socket.io.min.js", "/config.json"} <= names, names
    transfer = sum(e["transfer"] for e in entries)
    decoded = sum(e["decoded"] for e in entries)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "webchat-weight.json").write_text(json.dumps(
        {"transferred_bytes": transfer, "decoded_bytes": decoded, "entries": entries}, indent=1))
    print(f"\nwebchat page weight: {transfer} bytes transferred, {decoded} bytes decoded")
    assert 0 < transfer < 60_000, entries   # budget for 2G/3G: 60 kB on the wire
