"""Operator room: report triage commands and reactions (PL >= 50 only), plus routing of
!siaran and voice (!jawab, m.audio) to their modules."""
from __future__ import annotations

import logging

from reports import schema
from reports.store import ReportNotFound, TransitionInvalid

from .. import formatting as fmt
from . import siaran, voice

log = logging.getLogger("matrix_bridge.operator")

COMMAND_STATUS = {"!terima": "diterima", "!tangani": "ditangani", "!selesai": "selesai", "!tolak": "ditolak"}
REACTION_STATUS = {"✅": "diterima", "✔": "diterima", "👮": "ditangani", "👮‍♂": "ditangani",
                   "👮‍♀": "ditangani", "🏁": "selesai"}
REFUSED = "Maaf, hanya operator Polres (tingkat daya ≥ 50 di ruang operator) yang boleh memakai perintah ini."


def _norm_key(key: str) -> str:
    return key.replace("\ufe0f", "").strip()


async def on_message(ctx) -> None:
    bot = ctx.bot
    if ctx.msgtype == "m.audio":
        if await bot.is_operator(ctx.sender):
            await voice.operator_audio(ctx)
        return
    if ctx.msgtype not in ("m.text", None):
        return
    text = fmt.strip_reply_fallback(ctx.content.get("body") or "")
    text = fmt.strip_mention(text, bot.cfg.bot_user_id, [bot.cfg.bot_display_name])
    if not text.startswith("!"):
        return
    cmd, _, rest = text.partition(" ")
    cmd = cmd.lower()
    if cmd == "!bantuan":
        await ctx.reply(fmt.BANTUAN_OPERATOR + "\n\n" + fmt.BANTUAN, mention=False)
        return
    known = set(COMMAND_STATUS) | {"!siaran", "!jawab", "!laporan"}
    if cmd not in known:
        await ctx.reply("Perintah tidak dikenal. Ketik !bantuan untuk daftar perintah operator.", mention=False)
        return
    if not await bot.is_operator(ctx.sender):
        await ctx.reply(REFUSED, mention=False)
        return
    if cmd in COMMAND_STATUS:
        await _status_command(ctx, COMMAND_STATUS[cmd], rest.strip())
    elif cmd == "!laporan":
        await _list(ctx, rest.strip())
    elif cmd == "!siaran":
        await siaran.command(ctx, rest.strip())
    elif cmd == "!jawab":
        await voice.jawab_command(ctx, rest.strip())


async def _status_command(ctx, status: str, rest: str) -> None:
    ids = schema.find_ids(rest)
    report_id = ids[0] if ids else None
    extra = schema.ID_RE.sub("", rest, count=1).strip() if ids else rest
    if not report_id and ctx.reply_to_event:
        r = ctx.bot.store.find_by_operator_event(ctx.reply_to_event)
        report_id = r["id"] if r else None
    if not report_id:
        await ctx.reply("Sebutkan nomor laporan, misalnya: !terima LK-2026-000001 (atau balas kartu laporannya).",
                        mention=False)
        return
    alasan = extra if status == "ditolak" else None
    if status == "ditolak" and not alasan:
        await ctx.reply(f"Alasan penolakan wajib diisi: !tolak {report_id} alasan", mention=False)
        return
    oleh = extra if status == "ditangani" and extra else ctx.sender
    await apply_status(ctx, report_id, status, oleh, alasan)


async def apply_status(ctx, report_id: str, status: str, oleh: str, alasan: str | None) -> None:
    bot = ctx.bot
    try:
        before = bot.store.get(report_id)
        report = bot.store.update_status(report_id, status, oleh, alasan=alasan)
    except ReportNotFound:
        await ctx.reply(f"Laporan {report_id} tidak ditemukan.", mention=False)
        return
    except TransitionInvalid as e:
        await ctx.reply(f"{report_id}: {e}", mention=False)
        return
    bot.wake_outbox()
    if before and before.get("status") == report["status"]:
        await ctx.reply(f"{report_id} sudah berstatus {schema.status_label(report['status'])}.", mention=False)
        return
    who = f" oleh {oleh}" if oleh else ""
    await ctx.reply(f"{report_id}: status sekarang {schema.status_label(report['status'])}{who}. "
                    "Pelapor sudah diberi kabar.", mention=False)


async def _list(ctx, rest: str) -> None:
    status = rest.split()[0].lower() if rest else None
    if status and status not in schema.STATUS:
        await ctx.reply("Status tidak dikenal. Pilihan: " + ", ".join(schema.STATUS), mention=False)
        return
    reports = ctx.bot.store.list(status=status, limit=10)
    if not reports:
        await ctx.reply("Belum ada laporan.", mention=False)
        return
    await ctx.reply("Laporan terbaru:\n" + "\n".join(schema.format_status_line(r) for r in reports), mention=False)


async def on_reaction(ctx) -> None:
    bot = ctx.bot
    rel = ctx.content.get("m.relates_to") or {}
    if rel.get("rel_type") != "m.annotation":
        return
    status = REACTION_STATUS.get(_norm_key(rel.get("key", "")))
    if not status:
        return
    report = bot.store.find_by_operator_event(rel.get("event_id", ""))
    if not report:
        return
    if not await bot.is_operator(ctx.sender):
        await ctx.reply(REFUSED, mention=False)
        return
    await apply_status(ctx, report["id"], status, ctx.sender, None)
