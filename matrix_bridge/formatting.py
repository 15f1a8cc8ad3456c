"""Matrix message content builders and text helpers (mentions, reply fallbacks, Rasa buttons as
numbered options). The help texts are generated in handlers/commands.py."""
from __future__ import annotations

import html
import re


def numbered(title_list: list[str]) -> str:
    return "Balas dengan angka:\n" + "\n".join(f"{i}. {t}" for i, t in enumerate(title_list, 1))

def notice(body: str, reply_to: str | None = None, thread_root: str | None = None,
           mention: str | None = None) -> dict:
    """m.notice content; optionally a reply (m.in_reply_to) in a thread, mentioning a user."""
    content: dict = {"msgtype": "m.notice", "body": body}
    if "\n" in body or mention:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = html.escape(body).replace("\n", "<br>")
    if mention:
        content["m.mentions"] = {"user_ids": [mention]}
        content["body"] = f"{mention}: {body}"
        content["formatted_body"] = (f'<a href="https://matrix.to/#/{html.escape(mention)}">'
                                     f'{html.escape(mention)}</a>: ' + content["formatted_body"])
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
