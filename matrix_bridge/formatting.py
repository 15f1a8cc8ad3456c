"""Matrix message content builders and text helpers (mentions, reply fallbacks, Rasa buttons as
numbered options). The help texts are generated in handlers/commands.py."""
from __future__ import annotations

import html
import re


def numbered(title_list: list[str]) -> str:
    return "Balas dengan angka:\n" + "\n".join(f"{i}. {t}" for i, t in enumerate(title_list, 1))


# ---- content builder: plain body + org.matrix.custom.html (safe markdown subset) ----
# Everything is HTML-escaped first; only then are these patterns turned into tags, so no raw
# HTML from users or from Rasa can reach the formatted body. Same subset as the web widget:
# [label](http/https/tel link), bare http(s) URL, **bold**/__bold__, *bold* (chat style), _italic_,
# "-", "*", "•" bullet lines and "1." / "1)" numbered lines.
_INLINE = re.compile(
    r"\[(?P<label>[^\]\n]+)\]\((?P<href>(?:https?://|tel:)[^\s)]+)\)"
    r"|(?P<url>https?://[^\s<>]*[^\s<>.,;:!?)\]])"
    r"|\*\*(?P<b1>[^\n]+?)\*\*|__(?P<b2>[^\n]+?)__"
    r"|(?P<p1>^|[\s(])\*(?P<b3>[^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])"
    r"|(?P<p2>^|[\s(])_(?P<i1>[^_\s](?:[^_\n]*[^_\s])?)_(?![\w_])"
)
_UL_ITEM = re.compile(r"^\s*[-*•]\s+(.*)$")
_OL_ITEM = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")


def _inline_html(escaped: str, depth: int = 0) -> str:
    """Markdown-ish inline markup of an already escaped line -> HTML."""
    def sub(m: re.Match) -> str:
        if m.group("label") is not None:
            return f'<a href="{m.group("href")}">{m.group("label")}</a>'
        if m.group("url") is not None:
            return f'<a href="{m.group("url")}">{m.group("url")}</a>'
        prefix = m.group("p1") or m.group("p2") or ""
        inner = next(g for g in (m.group("b1"), m.group("b2"), m.group("b3"), m.group("i1"))
                     if g is not None)
        if depth < 2:
            inner = _inline_html(inner, depth + 1)
        tag = "em" if m.group("i1") is not None else "strong"
        return f"{prefix}<{tag}>{inner}</{tag}>"
    return _INLINE.sub(sub, escaped)


def markdown_html(body: str) -> str:
    """Plain chat text -> safe Matrix HTML: paragraphs, line breaks, lists, bold, links."""
    out: list[str] = []
    para: list[str] = []
    list_tag = None

    def close_para():
        if para:
            out.append("<p>" + "<br>".join(para) + "</p>")
            para.clear()

    def close_list():
        nonlocal list_tag
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = None

    for raw in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = html.escape(raw, quote=True)
        mu, mo = _UL_ITEM.match(line), _OL_ITEM.match(line)
        if mu or mo:
            close_para()
            tag = "ul" if mu else "ol"
            if list_tag != tag:
                close_list()
                start = f' start="{int(mo.group(1))}"' if mo and mo.group(1) != "1" else ""
                out.append(f"<{tag}{start}>")
                list_tag = tag
            out.append(f"<li>{_inline_html(mu.group(1) if mu else mo.group(2))}</li>")
            continue
        close_list()
        if not line.strip():
            close_para()
            continue
        para.append(_inline_html(line))
    close_para()
    close_list()
    return "".join(out)


def notice(body: str, reply_to: str | None = None, thread_root: str | None = None,
           mention: str | None = None) -> dict:
    """m.notice content with the plain body and its HTML rendering (formatted_body);
    optionally a reply (m.in_reply_to) in a thread, mentioning a user."""
    content: dict = {"msgtype": "m.notice", "body": body,
                     "format": "org.matrix.custom.html", "formatted_body": markdown_html(body)}
    if mention:
        content["m.mentions"] = {"user_ids": [mention]}
        content["body"] = f"{mention}: {body}"
        pill = (f'<a href="https://matrix.to/#/{html.escape(mention)}">'
                f'{html.escape(mention)}</a>: ')
        fb = content["formatted_body"]
        content["formatted_body"] = ("<p>" + pill + fb[3:]) if fb.startswith("<p>") else pill + fb
    else:
        content["m.mentions"] = {}
    if thread_root:
        content["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread_root,
                                   "is_falling_back": True,
                                   "m.in_reply_to": {"event_id": reply_to or thread_root}}
    elif reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content

def rasa_to_text(messages: list[dict]) -> tuple[str, list[str]]:
    """Join Rasa REST messages into one text; buttons become numbered options.
    Returns (text, payloads) where payloads[i] answers option i+1."""
    parts: list[str] = []
    payloads: list[str] = []
    titles: list[str] = []
    for m in messages:
        if m.get("text"):
            parts.append(m["text"].strip())
        if m.get("image"):
            parts.append(f"Gambar: {m['image']}")
        for b in m.get("buttons") or []:
            titles.append(b.get("title") or b.get("payload") or "")
            payloads.append(b.get("payload") or b.get("title") or "")
    if titles:
        parts.append(numbered(titles))
    return "\n\n".join(p for p in parts if p), payloads

_MENTION_PREFIX = re.compile(r"^\s*(@?[\w.\-]+(:[\w.\-:]+)?)\s*[:,]\s*")

def strip_mention(body: str, bot_user_id: str, display_names: list[str]) -> str:
    """Remove a leading mention of the bot ("Bot Kamtibmas: ...", "@kamtibmas-bot:server ...")."""
    text = body.strip()
    local = bot_user_id.split(":")[0]
    for name in [bot_user_id, local, local.lstrip("@"), *display_names]:
        if name and text.lower().startswith(name.lower()):
            text = text[len(name):].lstrip(" :,")
            return text.strip()
    return text

def is_mentioning(content: dict, bot_user_id: str, display_names: list[str]) -> bool:
    mentions = content.get("m.mentions") or {}
    if bot_user_id in (mentions.get("user_ids") or []):
        return True
    body = (content.get("body") or "").lower()
    fb = (content.get("formatted_body") or "").lower()
    local = bot_user_id.split(":")[0].lstrip("@").lower()
    if bot_user_id.lower() in body or bot_user_id.lower() in fb or body.startswith(local):
        return True
    return any(n and body.startswith(n.lower()) for n in display_names)

def strip_reply_fallback(body: str) -> str:
    """Drop the '> <@user> quoted' fallback lines of a reply."""
    lines = body.split("\n")
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    if lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).strip()
