"""Incident reports from Matrix: a small per-user conversation (state in bridge.db), stored via
reports.store (same store/schema as the web), confirmed at once, card to the operator room and
status notifications through the store's outbox (nothing lost on crash)."""
from __future__ import annotations

import logging
import re

from reports import schema
from reports.schema import ReportInvalid

from .. import formatting as fmt
from ..rasa_client import RasaUnavailable

log = logging.getLogger("matrix_bridge.lapor")

STEPS = ("jenis", "lokasi", "waktu", "deskripsi", "lampiran")

PROMPTS = {
    "jenis": "Jenis kejadiannya apa?\n" + fmt.numbered([label for _, label in fmt.JENIS_PILIHAN]),
    "lokasi": "Di mana lokasi kejadiannya? Tuliskan alamat atau patokan, atau bagikan lokasi (📍) dari aplikasi Anda.",
    "waktu": "Kapan kejadiannya? Misalnya: barusan, tadi pukul 07.30, atau 28-11-2026 14:00.",
    "deskripsi": "Ceritakan singkat apa yang terjadi (apa yang terlihat, ada korban atau tidak).",
    "lampiran": "Jika ada, kirim foto atau rekaman suara sekarang. Ketik 'kirim' untuk mengirim laporan "
                "atau 'lewati' jika tidak ada lampiran.",
}

_KEYWORDS = re.compile(
    r"\b(lapor|laporkan|kecelakaan|tabrakan|ditabrak|tawuran|begal|maling|pencurian|dicuri|curanmor|"
    r"perampokan|rampok|jambret|copet|keributan|perkelahian|pengeroyokan|kebakaran|banjir|longsor|"
    r"pohon tumbang|penipuan|ditipu|orang mencurigakan|penganiayaan|balap liar)\b", re.I)
_STRONG = re.compile(r"^\s*((saya |aku |sy )?(mau|ingin|pengen|akan)\s+)?lapor\b|^\s*ada\s+(kecelakaan|"
                     r"tabrakan|tawuran|begal|maling|pencurian|perampokan|kebakaran|banjir|longsor|keributan)",
                     re.I)
_LOKASI = re.compile(r"\b(?:di|dekat|depan|sekitar)\s+(.{3,})$", re.I)
_DONE = {"kirim", "lewati", "selesai", "tidak", "tidak ada", "tdk", "gak", "nggak", "skip", "sudah", "cukup"}


async def wants_report(ctx, text: str) -> bool:
    """True when the user reports an incident now. Keyword gate, then Rasa NLU decides
    (lapor_kejadian vs. e.g. layanan_laporan_polisi 'cara membuat laporan')."""
    if not _KEYWORDS.search(text):
        return False
    try:
        res = await ctx.bot.rasa.parse(text)
    except RasaUnavailable:
        return bool(_STRONG.search(text))
    intent = (res.get("intent") or {})
    if intent.get("name") == "lapor_kejadian" and intent.get("confidence", 0) >= ctx.bot.cfg.lapor_intent_threshold:
        return True
    return bool(_STRONG.search(text)) and intent.get("name") in (None, "lapor_kejadian", "nlu_fallback")


def _next_step(conv: dict) -> str:
    for s in STEPS:
        if s == "lampiran":
            return s
        if not conv.get(s):
            return s
    return "lampiran"


async def start(ctx, text: str, natural: bool) -> None:
    bot = ctx.bot
    if not bot.r_limiter.allow(ctx.sender):
        await ctx.reply("Mohon maaf, Anda sudah mengirim beberapa laporan dalam waktu singkat. Silakan tunggu "
                        "beberapa menit. " + fmt.DARURAT)
        return
    conv: dict = {"started": ctx.event_id, "lampiran": []}
    if text:
        jenis = schema.normalize_jenis(text)
        if jenis and jenis != "lainnya" or (jenis == "lainnya" and not natural):
            conv["jenis"] = jenis
        m = _LOKASI.search(text)
        if m and natural:
            conv["lokasi"] = {"teks": m.group(1).strip(" .,")}
        if natural:
            conv["deskripsi"] = text
    step = _next_step(conv)
    conv["step"] = step
    bot.state.set_conv(ctx.sender, ctx.room_id, conv)
    intro = ("Baik, saya bantu buat laporan kejadian. ⚠️ " + fmt.DARURAT
             + "\n(Ketik !batal untuk membatalkan.)\n\n")
    known = []
    if conv.get("jenis"):
        known.append(f"Jenis: {schema.jenis_label(conv['jenis'])}")
    if conv.get("lokasi"):
        known.append(f"Lokasi: {conv['lokasi']['teks']}")
    if known:
        intro += "Yang sudah saya catat: " + "; ".join(known) + "\n\n"
    await ctx.reply(intro + PROMPTS[step])


async def cancel(ctx, conv: dict | None) -> None:
    if conv:
        ctx.bot.state.clear_conv(ctx.sender, ctx.room_id)
        await ctx.reply("Laporan dibatalkan. Jika ingin melapor lagi, ketik !lapor. " + fmt.DARURAT)
    else:
        await ctx.reply("Tidak ada laporan yang sedang diisi.")


def _attachment(content: dict) -> dict | None:
    url = content.get("url")
    if not url:
        return None
    tipe = {"m.image": "foto", "m.audio": "suara", "m.video": "video"}.get(content.get("msgtype"), "berkas")
    info = content.get("info") or {}
    item = {"url": url, "tipe": tipe, "nama": content.get("body") or tipe}
    if info.get("mimetype"):
        item["mimetype"] = info["mimetype"]
    return item


async def continue_conv(ctx, conv: dict, text: str | None) -> None:
    bot = ctx.bot
    step = conv.get("step") or _next_step(conv)
    mt = ctx.msgtype
    content = ctx.content
    # Media and locations are accepted at any step.
    if mt == "m.location":
        try:
            lat, lon = schema.parse_geo_uri(content.get("geo_uri", ""))
        except ReportInvalid as e:
            await ctx.reply(e.pesan)
            return
        label = (content.get("body") or "").strip()
        if not label or label.lower().startswith(("location", "lokasi", "geo:")):
            label = "Lokasi yang dibagikan"
        conv["lokasi"] = {"teks": label, "lat": lat, "lon": lon}
        ack = "Lokasi diterima."
    elif mt in ("m.image", "m.audio", "m.video", "m.file"):
        item = _attachment(content)
        if item is None:
            await ctx.reply("Lampiran tidak bisa dibaca. Silakan kirim ulang.")
            return
        if len(conv.get("lampiran") or []) >= schema.MAX_LAMPIRAN:
            await ctx.reply("Lampiran sudah maksimal. Ketik 'kirim' untuk mengirim laporan.")
            return
        conv.setdefault("lampiran", []).append(item)
        ack = "Lampiran diterima."
    else:
        t = (text or "").strip()
        if step == "jenis":
            jenis = None
            if t.rstrip(".").isdigit() and 1 <= int(t.rstrip(".")) <= len(fmt.JENIS_PILIHAN):
                jenis = fmt.JENIS_PILIHAN[int(t.rstrip(".")) - 1][0]
            else:
                jenis = schema.normalize_jenis(t)
            if not jenis:
                await ctx.reply("Maaf, jenisnya belum saya kenali. " + PROMPTS["jenis"])
                return
            conv["jenis"] = jenis
        elif step == "lokasi":
            conv["lokasi"] = {"teks": t}
        elif step == "waktu":
            conv["waktu"] = t
        elif step == "deskripsi":
            conv["deskripsi"] = t
        elif step == "lampiran":
            if t.lower().strip(" .!") not in _DONE:
                # Extra text at the last step is added to the description.
                conv["deskripsi"] = (conv.get("deskripsi", "") + "\n" + t).strip()
                bot.state.set_conv(ctx.sender, ctx.room_id, conv)
                await ctx.reply("Keterangan ditambahkan. " + PROMPTS["lampiran"])
                return
            await _submit(ctx, conv)
            return
        ack = None
    conv["step"] = _next_step(conv)
    bot.state.set_conv(ctx.sender, ctx.room_id, conv)
    prompt = PROMPTS[conv["step"]]
    if conv["step"] == "lampiran" and conv.get("lampiran"):
        prompt = (f"Sudah ada {len(conv['lampiran'])} lampiran. Kirim lagi, atau ketik 'kirim' untuk "
                  "mengirim laporan.")
    await ctx.reply((ack + " " if ack else "") + prompt)


def _display_name(ctx) -> str | None:
    room = ctx.bot.client.rooms.get(ctx.room_id) if ctx.bot.client else None
    if room is not None:
        user = room.users.get(ctx.sender)
        if user is not None and user.display_name and user.display_name != ctx.sender:
            return user.display_name
    return None


async def _submit(ctx, conv: dict) -> None:
    bot = ctx.bot
    payload = {
        "jenis": conv.get("jenis"),
        "lokasi": conv.get("lokasi"),
        "waktu": conv.get("waktu"),
        "deskripsi": conv.get("deskripsi"),
        "kanal": "matrix",
        "pelapor": ctx.sender,
        "ruang": ctx.room_id,
        "lampiran": conv.get("lampiran") or [],
        # The event that completed the report: a replay after a crash creates nothing new.
        "idempotency_key": f"matrix:{ctx.event_id}",
    }
    name = _display_name(ctx)
    if name:
        payload["pelapor_nama"] = name
    try:
        report, _created = bot.store.create(payload)
    except ReportInvalid as e:
        field = (e.field or "").split(".")[0]
        if field in STEPS:
            conv.pop(field, None)
            conv["step"] = field
            bot.state.set_conv(ctx.sender, ctx.room_id, conv)
            await ctx.reply(f"{e.pesan}\n\n{PROMPTS[field]}")
        else:
            await ctx.reply(f"{e.pesan} Silakan ulangi dengan !lapor. " + fmt.DARURAT)
            bot.state.clear_conv(ctx.sender, ctx.room_id)
        return
    bot.state.clear_conv(ctx.sender, ctx.room_id)
    bot.wake_outbox()
    await ctx.reply(
        f"Terima kasih, laporan Anda sudah kami terima dengan nomor {report['id']}.\n"
        f"Jenis: {schema.jenis_label(report['jenis'])}\n"
        f"Lokasi: {report['lokasi'].get('teks')}\n"
        "Operator Polres Batang akan menindaklanjuti, dan setiap perubahan status akan saya kabarkan di sini. "
        f"Cek status kapan saja: !status {report['id']}\n\n⚠️ " + fmt.DARURAT)


async def status(ctx, text: str) -> None:
    store = ctx.bot.store
    ids = schema.find_ids(text)
    if ids:
        lines = []
        for rid in ids:
            r = store.get(rid)
            if r is None or r.get("pelapor") != ctx.sender:
                lines.append(f"Laporan {rid} tidak ditemukan di antara laporan Anda.")
            else:
                lines.append(schema.format_status_line(r))
        await ctx.reply("\n".join(lines))
        return
    mine = store.reports_for(ctx.sender)[:5]
    if not mine:
        await ctx.reply("Anda belum punya laporan. Ketik !lapor untuk membuat laporan. " + fmt.DARURAT)
        return
    await ctx.reply("Laporan Anda:\n" + "\n".join(schema.format_status_line(r) for r in mine))


CARD_HINT = ("\n\nTindak lanjut: reaksi ✅ diterima · 👮 ditangani · 🏁 selesai, atau perintah "
             "!terima / !tangani / !selesai / !tolak {id} alasan")


async def deliver_outbox(bot) -> int:
    """Deliver pending store notifications: cards to the operator room and status updates to
    Matrix reporters. Stable txn ids (notif id) make a re-delivery after a crash idempotent."""
    store = bot.store
    n_sent = 0
    for n in store.pending_notifications(target="operator"):
        report = store.get(n["laporan_id"]) or {}
        body = (n.get("pesan") or schema.format_card(report)) + CARD_HINT.format(id=n["laporan_id"])
        content = fmt.notice(body)
        content["msgtype"] = "m.text"  # cards should notify operators
        eid = await bot.send(bot.operator_room, content, txn_id=f"notif-{n['notif_id']}")
        if eid:
            store.set_operator_event(n["laporan_id"], eid)
            store.mark_notified(n["notif_id"])
            n_sent += 1
        else:
            store.mark_failed(n["notif_id"], "send to operator room failed")
    for n in store.pending_notifications(target="pelapor", kanal="matrix"):
        room = n.get("ruang")
        if not room:
            store.mark_failed(n["notif_id"], "no room for reporter")
            continue
        content = fmt.notice(n["pesan"], mention=n.get("pelapor"))
        eid = await bot.send(room, content, txn_id=f"notif-{n['notif_id']}")
        if eid:
            store.mark_notified(n["notif_id"])
            n_sent += 1
        else:
            store.mark_failed(n["notif_id"], "send to reporter room failed")
    return n_sent
