"""Incident reports from Matrix: a small per-user conversation (state in bridge.db) asking the
questions of reports.vocabulary, stored via reports.store (same store/schema as the web) and
confirmed at once. The card to the operator room and later status messages come from the store's
notification outbox (status_delivery.py; nothing lost on crash)."""
from __future__ import annotations

import logging
import re

from privacy.masking import is_contact, mask_text
from reports import schema
from reports.access import find_code
from reports.kinds import normalize_jenis
from reports.schema import ReportInvalid
from reports.texts import format_status_line
from reports.vocabulary import DARURAT, DARURAT_PEMBUKA, PROMPT, jenis_label, jenis_pilihan

from .. import formatting as fmt
from ..context import Ctx
from ..rasa_client import RasaUnavailable

log = logging.getLogger("matrix_bridge.lapor")

STEPS = ("jenis", "lokasi", "waktu", "deskripsi", "lampiran")

JENIS_PILIHAN = jenis_pilihan()  # numbered choices: "2" answers the second kind
PROMPTS = {
    "jenis": PROMPT["jenis"] + "\n" + fmt.numbered([title for _, title in JENIS_PILIHAN]),
    "lokasi": PROMPT["lokasi"] + " Anda juga bisa membagikan lokasi (📍) dari aplikasi Anda.",
    "waktu": PROMPT["waktu"],
    "deskripsi": PROMPT["deskripsi"],
    "lampiran": "Jika ada, kirim foto atau rekaman suara sekarang. Bila mau dihubungi petugas, tulis "
                "nomor HP atau e-mail Anda (tidak wajib). Ketik 'kirim' untuk mengirim laporan "
                "atau 'lewati' jika tidak ada lampiran.",
}

_KEYWORDS = re.compile(
    r"\b(lapor|laporkan|kecelakaan|tabrakan|ditabrak|tawuran|begal|maling|pencurian|dicuri|curanmor|"
    r"perampokan|rampok|jambret|copet|keributan|perkelahian|pengeroyokan|kebakaran|banjir|longsor|"
    r"pohon tumbang|penipuan|ditipu|orang mencurigakan|penganiayaan|balap liar)\b", re.I)
_STRONG = re.compile(r"^\s*((saya |aku |sy )?(mau|ingin|pengen|akan)\s+)?lapor\b|^\s*ada\s+"
                     r"(kecelakaan|tabrakan|tawuran|begal|maling|pencurian|perampokan|kebakaran|banjir|"
                     r"longsor|keributan)", re.I)
_LOKASI = re.compile(r"\b(?:di|dekat|depan|sekitar)\s+(.{3,})$", re.I)
_DONE = {"kirim", "lewati", "selesai", "tidak", "tidak ada", "tdk", "gak", "nggak", "skip", "sudah",
         "cukup"}


async def wants_report(ctx: Ctx, text: str) -> bool:
    """True when the user reports an incident now. Keyword gate, then Rasa NLU decides
    (lapor_kejadian vs. e.g. layanan_laporan_polisi 'cara membuat laporan')."""
    if not _KEYWORDS.search(text):
        return False
    try:
        res = await ctx.deps.rasa.parse(text)
    except RasaUnavailable:
        return bool(_STRONG.search(text))
    intent = (res.get("intent") or {})
    if (intent.get("name") == "lapor_kejadian"
            and intent.get("confidence", 0) >= ctx.cfg.lapor_intent_threshold):
        return True
    return bool(_STRONG.search(text)) and intent.get("name") in (None, "lapor_kejadian", "nlu_fallback")


def _next_step(conv: dict) -> str:
    for s in STEPS:
        if s == "lampiran":
            return s
        if not conv.get(s):
            return s
    return "lampiran"


async def start_command(ctx: Ctx, rest: str) -> None:
    """!lapor [kind]"""
    await start(ctx, rest, natural=False)


async def start(ctx: Ctx, text: str, natural: bool) -> None:
    if not ctx.deps.report_limiter.allow(ctx.sender):
        await ctx.reply("Mohon maaf, Anda sudah mengirim beberapa laporan dalam waktu singkat. Silakan "
                        "tunggu beberapa menit. " + DARURAT)
        return
    conv: dict = {"started": ctx.event_id, "lampiran": []}
    if text:
        jenis = normalize_jenis(text)
        if jenis and jenis != "lainnya" or (jenis == "lainnya" and not natural):
            conv["jenis"] = jenis
        m = _LOKASI.search(text)
        if m and natural:
            conv["lokasi"] = {"teks": m.group(1).strip(" .,")}
        if natural:
            conv["deskripsi"] = text
    step = _next_step(conv)
    conv["step"] = step
    ctx.state.set_conv(ctx.sender, ctx.room_id, conv)
    intro = ("Baik, saya bantu buat laporan kejadian. ⚠️ " + DARURAT_PEMBUKA
             + "\n(Ketik !batal untuk membatalkan.)\n\n")
    known = []
    if conv.get("jenis"):
        known.append(f"Jenis: {jenis_label(conv['jenis'])}")
    if conv.get("lokasi"):
        known.append(f"Lokasi: {conv['lokasi']['teks']}")
    if known:
        intro += "Yang sudah saya catat: " + "; ".join(known) + "\n\n"
    await ctx.reply(intro + PROMPTS[step])


async def cancel(ctx: Ctx, rest: str = "") -> None:
    """!batal"""
    if ctx.state.get_conv(ctx.sender, ctx.room_id):
        ctx.state.clear_conv(ctx.sender, ctx.room_id)
        await ctx.reply("Laporan dibatalkan. Jika ingin melapor lagi, ketik !lapor. " + DARURAT)
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


async def continue_conv(ctx: Ctx, conv: dict, text: str | None) -> None:
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
            if t.rstrip(".").isdigit() and 1 <= int(t.rstrip(".")) <= len(JENIS_PILIHAN):
                jenis = JENIS_PILIHAN[int(t.rstrip(".")) - 1][0]
            else:
                jenis = normalize_jenis(t)
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
            if is_contact(t):
                # a contact the reporter chooses to give: kept as given in the report (shown to
                # operators unmasked), never in the description (docs/privacy.md)
                conv["kontak"] = t
                ctx.state.set_conv(ctx.sender, ctx.room_id, conv)
                await ctx.reply("Kontak dicatat (hanya untuk petugas). " + PROMPTS["lampiran"])
                return
            if t.lower().strip(" .!") not in _DONE:
                # Extra text at the last step is added to the description.
                conv["deskripsi"] = (conv.get("deskripsi", "") + "\n" + t).strip()
                ctx.state.set_conv(ctx.sender, ctx.room_id, conv)
                await ctx.reply("Keterangan ditambahkan. " + PROMPTS["lampiran"])
                return
            await _submit(ctx, conv)
            return
        ack = None
    conv["step"] = _next_step(conv)
    ctx.state.set_conv(ctx.sender, ctx.room_id, conv)
    prompt = PROMPTS[conv["step"]]
    if conv["step"] == "lampiran" and conv.get("lampiran"):
        prompt = (f"Sudah ada {len(conv['lampiran'])} lampiran. Kirim lagi, atau ketik 'kirim' untuk "
                  "mengirim laporan.")
    await ctx.reply((ack + " " if ack else "") + prompt)


def _display_name(ctx: Ctx) -> str | None:
    room = ctx.matrix.room(ctx.room_id)
    if room is not None:
        user = room.users.get(ctx.sender)
        if user is not None and user.display_name and user.display_name != ctx.sender:
            return user.display_name
    return None


async def _submit(ctx: Ctx, conv: dict) -> None:
    payload = {
        "jenis": conv.get("jenis"),
        "lokasi": conv.get("lokasi"),
        "waktu": conv.get("waktu"),
        "deskripsi": conv.get("deskripsi"),
        "kanal": "matrix",
        "pelapor": ctx.sender,
        "ruang": ctx.room_id,
        "lampiran": conv.get("lampiran") or [],
        "kontak": conv.get("kontak"),
        # The event that completed the report: a replay after a crash creates nothing new.
        "idempotency_key": f"matrix:{ctx.event_id}",
    }
    name = _display_name(ctx)
    if name:
        payload["pelapor_nama"] = name
    try:
        report, _created, kode = ctx.store.create_with_code(payload)
    except ReportInvalid as e:
        field = (e.field or "").split(".")[0]
        if field in STEPS:
            conv.pop(field, None)
            conv["step"] = field
            ctx.state.set_conv(ctx.sender, ctx.room_id, conv)
            await ctx.reply(f"{e.pesan}\n\n{PROMPTS[field]}")
        else:
            await ctx.reply(f"{e.pesan} Silakan ulangi dengan !lapor. " + DARURAT)
            ctx.state.clear_conv(ctx.sender, ctx.room_id)
        return
    ctx.state.clear_conv(ctx.sender, ctx.room_id)
    ctx.deps.delivery.wake()
    await ctx.reply(
        f"Terima kasih, laporan Anda sudah kami terima dengan nomor {report['id']}.\n"
        f"Jenis: {jenis_label(report['jenis'])}\n"
        f"Lokasi: {mask_text(report['lokasi'].get('teks'))}\n"
        "Operator Polres Batang akan menindaklanjuti, dan setiap perubahan status akan saya kabarkan "
        f"di sini. Cek status kapan saja: !status {report['id']}\n" + _kode_line(ctx, report['id'], kode)
        + "\n⚠️ " + DARURAT)


def _kode_line(ctx: Ctx, rid: str, kode: str | None) -> str:
    """The secret status code (reports/access.py): shown only in a direct chat with the bot,
    never in a room others can read."""
    if not kode:
        return ""
    if ctx.kind == "dm":
        return (f"Kode rahasia laporan: {kode}. Catat dan jangan bagikan kode ini. Dari akun lain, "
                f"status hanya bisa dicek dengan nomor dan kode ini: !status {rid} {kode}\n")
    return ("Status laporan ini hanya bisa dicek dari akun Anda sendiri. (Kode rahasia untuk cek dari "
            "akun lain hanya diberikan bila Anda melapor lewat pesan langsung ke bot.)\n")


async def status(ctx: Ctx, text: str) -> None:
    """!status [LK-…]: the named reports of this user, else their newest."""
    store = ctx.store
    ids = schema.find_ids(text)
    if ids:
        lines = []
        kode = find_code(text)
        for rid in ids:
            # Only the reporter (same Matrix user) or the holder of the secret code; "not found"
            # and "not yours" are one answer (reports/access.py).
            r = store.status_for(rid, pelapor=ctx.sender, kanal="matrix", kode=kode)
            if r is None:
                lines.append(f"Laporan {rid} tidak ditemukan di antara laporan Anda. Untuk laporan "
                             "dari akun lain, sertakan kode rahasianya: !status NOMOR KODE")
            else:
                lines.append(format_status_line(r))
        await ctx.reply("\n".join(lines))
        return
    mine = store.list(pelapor=ctx.sender, kanal="matrix", limit=5)
    if not mine:
        await ctx.reply("Anda belum punya laporan. Ketik !lapor untuk membuat laporan. " + DARURAT)
        return
    await ctx.reply("Laporan Anda:\n" + "\n".join(format_status_line(r) for r in mine))
