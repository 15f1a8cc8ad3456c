"""Matrix answers carry an HTML rendering (formatted_body, org.matrix.custom.html) next to the plain
body, so Element shows bold text and lists instead of literal `*Penipuan*`. Checked on the content
builder itself and on events read back from a REAL Synapse (bridge bot -> Synapse -> a resident's
client), including an answer from the real trained Rasa."""
from __future__ import annotations

import re

import pytest

from knowledge import format as kf
from knowledge import load_kb
from matrix_bridge.formatting import markdown_html, notice, rasa_to_text

ASYNC = pytest.mark.asyncio(loop_scope="function")
HTML = "org.matrix.custom.html"


# ---------------------------------------------------------------- content builder
def test_bold_lists_and_paragraphs():
    html = markdown_html("*Penipuan*\nBaris dua **tebal**\n\n• satu\n• dua\n\n1. langkah\n2. lanjut")
    assert html == ("<p><strong>Penipuan</strong><br>Baris dua <strong>tebal</strong></p>"
                    "<ul><li>satu</li><li>dua</li></ul><ol><li>langkah</li><li>lanjut</li></ol>")
    assert markdown_html("3. tiga\n4. empat").startswith('<ol start="3">')
    assert markdown_html("- a\n* b") == "<ul><li>a</li><li>b</li></ul>"


def test_everything_is_escaped_before_markup():
    html = markdown_html('<script>alert(1)</script> *<img src=x onerror=alert(1)>* & "x"')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in html
    assert "&amp;" in html and "&quot;x&quot;" in html


def test_only_safe_links():
    html = markdown_html("[telepon 110](tel:110) [x](javascript:alert(1)) https://peraturan.go.id/a.")
    assert '<a href="tel:110">telepon 110</a>' in html
    assert "javascript" not in re.findall(r'href="([^"]*)"', html)[0]
    assert '<a href="https://peraturan.go.id/a">https://peraturan.go.id/a</a>.' in html
    assert 'href="javascript' not in html
    # an attribute cannot be broken out of: quotes arrive as entities inside the href
    html = markdown_html('[y](https://a.example/"onmouseover=alert(1))')
    assert re.findall(r"<a (\w+)=", html) == ["href"] and html.count('"') == 2, html


def test_no_false_markup():
    assert (markdown_html("2*3*4 nama_intent_biasa snake_case_x")
            == "<p>2*3*4 nama_intent_biasa snake_case_x</p>")


def test_notice_always_has_formatted_body():
    c = notice("*Penipuan*")
    assert c["body"] == "*Penipuan*" and c["format"] == HTML
    assert c["formatted_body"] == "<p><strong>Penipuan</strong></p>"
    m = notice("*Laporan* diterima", mention="@warga:polres.localhost")
    assert m["body"].startswith("@warga:polres.localhost: ")
    assert m["formatted_body"].startswith('<p><a href="https://matrix.to/#/@warga:polres.localhost">')
    assert "<strong>Laporan</strong>" in m["formatted_body"]


def test_knowledge_answer_renders_without_doubled_markup():
    kb = load_kb()
    text = kf.join_answers([kf.format_pasal(kb.entry("pasal.penipuan")),
                            kf.format_pasal(kb.entry("pasal.kdrt_fisik")), kf.DISCLAIMER])
    html = notice(text)["formatted_body"]
    assert "<strong>Penipuan</strong>" in html and "<strong>Kekerasan fisik" in html
    assert html.count("<li>") == text.count("\n• ")
    assert "*" not in html and "•" not in html


# ---------------------------------------------------------------- against real Synapse
@ASYNC
async def test_formatted_body_survives_synapse(bridge_factory, user_factory):
    svc = await bridge_factory()
    bot_id = svc.cfg.bot_user_id
    warga = await user_factory("format")
    dm = await warga.dm(bot_id)
    kb = load_kb()
    answer = kf.format_pasal(kb.entry("pasal.penipuan")) + "\n<b>bukan html</b>"
    m = warga.mark()
    await svc.bot.notice(dm, answer)
    ev = await warga.wait_bot_text(dm, bot_id, "Penipuan", start=m, timeout=30)
    c = ev["content"]
    assert c["msgtype"] == "m.notice" and c["body"] == answer  # plain fallback unchanged
    assert c["format"] == HTML
    fb = c["formatted_body"]
    assert fb.startswith("<p><strong>Penipuan</strong>")
    assert "<ul><li>Yang berlaku sejak 2 Januari 2026 adalah Pasal 492 KUHP baru" in fb
    assert "*Penipuan*" not in fb and "&lt;b&gt;bukan html&lt;/b&gt;" in fb and "<b>" not in fb


@ASYNC
async def test_rasa_answer_is_bold_and_listed_in_element(rasa_url, bridge_factory, user_factory):
    svc = await bridge_factory(rasa_url=rasa_url)
    bot_id = svc.cfg.bot_user_id
    warga = await user_factory("formatrasa")
    dm = await warga.dm(bot_id)
    m = warga.mark()
    await warga.text(dm, "apa pasal untuk penipuan?")
    ev = await warga.wait_bot_text(dm, bot_id, "", start=m, timeout=90)
    c = ev["content"]
    assert "*Penipuan*" in c["body"], c["body"]
    assert c["format"] == HTML and "<strong>Penipuan</strong>" in c["formatted_body"]
    assert "<li>" in c["formatted_body"] and "*Penipuan*" not in c["formatted_body"]


def test_buttons_degrade_to_numbered_text():
    text, payloads = rasa_to_text([{"text": "Maksud Anda yang mana?", "buttons": [
        {"title": "Biaya SIM", "payload": "/sim_biaya"},
        {"title": "Syarat SKCK", "payload": "/skck_syarat"}]}])
    assert text.endswith("Balas dengan angka:\n1. Biaya SIM\n2. Syarat SKCK")
    assert payloads == ["/sim_biaya", "/skck_syarat"]
