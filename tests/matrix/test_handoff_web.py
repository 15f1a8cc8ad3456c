"""Human handoff from the web widget, end to end (issue 15): headless Chromium -> the edge ->
socket.io channel (channels/, interceptor of handoff/web_gateway.py) -> real Rasa + action server
-> the Kamtibmas service (real Synapse) -> a thread in #operator-polres; the operator claims, talks
(pushed into the same socket.io session, marked as an officer, latency measured from the operator's
send to the text on the citizen's screen), the bridge restarts in the middle (nothing lost or
doubled either way) and the operator hands back; the bot answers again."""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from handoff_support import api_settings, body, rasa_user_texts, record_latency, thread_text, ticket_root

from conftest import room

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webchat"))
from webchat_support import ChatPage, browser  # noqa: E402,F401  (pytest fixture)

pytestmark = pytest.mark.asyncio(loop_scope="function")

OFFICER = "Aipda Rudi Hartono"
# Records when each officer message appeared on the screen (Date.now(), the same clock as time.time()).
OBSERVE = """
window.__petugasSeen = window.__petugasSeen || {};
new MutationObserver(function () {
  document.querySelectorAll('.msg.petugas .bubble').forEach(function (b) {
    var t = b.textContent;
    if (!(t in window.__petugasSeen)) window.__petugasSeen[t] = Date.now();
  });
}).observe(document.getElementById('log'), {childList: true, subtree: true});
"""


def bot_texts(page: ChatPage) -> list[str]:
    return page.texts("bot")


# The bridge runs in this test's event loop: every (blocking) browser call runs in a thread.
run = asyncio.to_thread


async def wait_page(page: ChatPage, pred, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = await run(bot_texts, page)
        if any(pred(t) for t in texts):
            return texts
        await asyncio.sleep(0.05)
    raise AssertionError(f"not on the page: {bot_texts(page)[-5:]!r}")


async def test_widget_operator_and_back(rasa_url, edge_url, bridge_factory, operator, provisioned, browser):
    svc = await bridge_factory(**api_settings())
    bot_id = svc.cfg.bot_user_id
    oproom = room(provisioned, "operator-polres")
    await operator.client.set_displayname(OFFICER)
    op = operator

    page = ChatPage(browser, edge_url.rstrip("/") + "/")
    await run(page.open)
    await run(page.wait_online)
    session = await run(page.session)
    om = op.mark()
    n = await run(page.send, "saya ingin bicara langsung dengan petugas polres")
    await run(page.wait_bot, lambda t: "kami teruskan ke petugas" in t, n, 120)
    await run(page.wait_quiet)
    ticket = svc.handoff.store.active_for("web", session)
    assert ticket is not None and ticket["label"].startswith("W-")
    root = await ticket_root(op, oproom, bot_id, ticket["label"], om)
    assert "Kanal: web chat" in body(root) and session not in body(root)

    # the citizen's messages go to the thread; Rasa is not asked
    await run(page.send, "dompet saya hilang di alun-alun, KTP ikut hilang")
    await run(page.wait_quiet)
    await thread_text(op, oproom, bot_id, root["event_id"], "dompet saya hilang", om)

    thread = {"m.relates_to": {"rel_type": "m.thread", "event_id": root["event_id"]}}
    await op.text(oproom, "!ambil", **thread)
    await wait_page(page, lambda t: "terhubung dengan petugas" in t and OFFICER in t)

    await run(browser.execute_script, OBSERVE)
    samples = []
    for i in range(5):
        text = f"Silakan datang ke SPKT dengan membawa KK, pesan {i}."
        t0 = time.time() * 1000
        await op.text(oproom, text, **thread)
        deadline = time.monotonic() + 60
        seen_at = None
        while seen_at is None and time.monotonic() < deadline:
            seen = await run(browser.execute_script, "return window.__petugasSeen")
            seen_at = next((v for k, v in seen.items() if text in k), None)
            if seen_at is None:
                await asyncio.sleep(0.02)
        assert seen_at is not None, f"officer message {i} never reached the widget"
        samples.append(seen_at - t0)
    record_latency("web", samples)
    labels = await run(browser.execute_script,
                       "return Array.from(document.querySelectorAll('.msg.petugas .petugas-label'))"
                       ".map(e => e.textContent)")
    assert len(labels) == 5 and all(OFFICER in x for x in labels), labels
    assert op.user_id not in " ".join(await run(bot_texts, page))

    # the bridge restarts mid-handoff: an officer message and a citizen message while it is down
    await svc.stop()
    await op.text(oproom, "Pesan petugas saat layanan dimulai ulang.", **thread)
    n = await run(page.send, "pesan warga saat layanan dimulai ulang")
    await run(page.wait_bot, lambda t: "segera diteruskan ke petugas" in t, n, 60)
    svc = await bridge_factory(**api_settings())  # same state directory and stores
    await wait_page(page, lambda t: "Pesan petugas saat layanan dimulai ulang" in t, 90)
    await thread_text(op, oproom, bot_id, root["event_id"], "pesan warga saat layanan dimulai ulang", om, 90)
    await op.text(oproom, "!handoff")  # a marker: the bridge answers after the thread message
    await op.wait_for(lambda r, e: r == oproom and e.get("sender") == bot_id and "yang terbuka" in body(e),
                      60, om)
    relayed = [e for r, e in op.events[om:] if r == oproom and e.get("sender") == bot_id
               and "pesan warga saat layanan dimulai ulang" in body(e)]
    assert len(relayed) == 1, relayed

    # reload (history restored from the tracker): each officer message is shown exactly once
    await run(page.open, False)
    await run(page.wait_online)
    await run(page.wait, lambda d: d.execute_script(
        "return document.documentElement.dataset.historySource === 'tracker'"), 30)
    shown = [t for t in await run(bot_texts, page) if "membawa KK" in t or "dimulai ulang." in t]
    assert len(shown) == 6, shown
    rows = await run(browser.execute_script, "return document.querySelectorAll('.msg.petugas').length")
    assert rows == 6

    # hand back: the citizen is told and the bot answers again
    await op.text(oproom, "!kembalikan", **thread)
    await wait_page(page, lambda t: "kembali dilayani" in t)
    n = await run(page.send, "berapa biaya skck")
    await run(page.wait_bot, lambda t: "Rp30.000" in t, n, 120)
    asked = rasa_user_texts(rasa_url, session)
    assert "saya ingin bicara langsung dengan petugas polres" in asked, asked
    assert "berapa biaya skck" in asked and not any("dompet saya hilang" in t for t in asked), asked
    t = svc.handoff.store.get(ticket["id"])
    assert t["status"] == "selesai" and t["nama_petugas"] == OFFICER and t["diambil"] and t["selesai"]
