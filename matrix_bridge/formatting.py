"""Indonesian user-facing texts and Matrix message content builders."""
from __future__ import annotations

import html
import re

DARURAT = "Dalam keadaan darurat, segera telepon 110 (Polisi) atau 112."

BANTUAN = """Halo! Saya Bot Kamtibmas Polres Batang. Yang bisa saya bantu:

• Tanya layanan polisi (SIM, SKCK, tilang, pasal, dll.): kirim pesan langsung ke saya, atau sebut nama saya di ruang komunitas.
• !lapor — membuat laporan kejadian (gangguan kamtibmas, kecelakaan lalu lintas, bencana alam, lainnya). Bisa juga langsung tulis, misalnya "ada kecelakaan di Jl. Gajah Mada".
• !status LK-2026-000123 — cek status laporan Anda.
• !batal — membatalkan laporan yang sedang diisi.
• Kirim pesan suara di ruang komunitas — diteruskan ke operator Polres, dan operator bisa menjawab dengan suara.
• !bantuan — menampilkan bantuan ini.

""" + DARURAT

BANTUAN_OPERATOR = """Perintah operator (hanya di ruang operator, tingkat daya ≥ 50):
• !terima LK-… — laporan diterima
• !tangani LK-… [nama petugas] — laporan sedang ditangani
• !selesai LK-… — laporan selesai
• !tolak LK-… alasan — laporan ditolak (alasan wajib)
• Reaksi pada kartu laporan: ✅ diterima, 👮 ditangani, 🏁 selesai
• !laporan [status] — daftar laporan terbaru
• !siaran pagi|siang|malam <teks> — atur teks siaran rutin (06.00, 12.00, 18.00 WIB)
• !siaran lihat — lihat teks siaran rutin
• !siaran sekarang <teks> [#ruang …] — kirim siaran segera
• !jawab #ruang — pesan suara Anda berikutnya dikirim ke ruang itu (atau balas pesan suara yang diteruskan dengan pesan suara)"""

JENIS_PILIHAN = [
    ("gangguan_kamtibmas", "Gangguan kamtibmas (tawuran, pencurian, keributan, dll.)"),
    ("kecelakaan_lalu_lintas", "Kecelakaan lalu lintas"),
    ("bencana_alam", "Bencana alam (banjir, longsor, kebakaran hutan, dll.)"),
    ("lainnya", "Lainnya"),
]


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
