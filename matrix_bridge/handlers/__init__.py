"""Event dispatch: one module per concern (qa, lapor, operator, bulletin, voice); the commands
are declared in commands.py."""
from __future__ import annotations

from reports.vocabulary import DARURAT

from .. import formatting as fmt
from ..context import Ctx
from . import commands as cmds
from . import handoff, lapor, operator, qa, voice

UNKNOWN = "Perintah tidak dikenal. Ketik !bantuan untuk melihat daftar perintah."
UNKNOWN_OPERATOR = "Perintah tidak dikenal. Ketik !bantuan untuk daftar perintah operator."
ONLY_OPERATORS = "Maaf, perintah ini hanya untuk operator Polres di ruang operator."
ENCRYPTED = ("Maaf, saya belum bisa membaca pesan terenkripsi. Silakan buat percakapan baru dengan "
             "enkripsi dimatikan, atau tulis di ruang komunitas. " + DARURAT)


def _text_of(ctx: Ctx) -> str:
    return fmt.strip_reply_fallback(ctx.content.get("body") or "")


def _names(ctx: Ctx) -> tuple[str, list[str]]:
    return ctx.cfg.bot_user_id, [ctx.cfg.bot_display_name]


async def dispatch(ctx: Ctx) -> None:
    etype = ctx.event.get("type")
    if etype == "m.room.encrypted":
        if ctx.kind in ("dm", "community") and not ctx.state.get(f"enc_warned:{ctx.room_id}"):
            ctx.state.set(f"enc_warned:{ctx.room_id}", "1")
            await ctx.matrix.notice(ctx.room_id, ENCRYPTED, txn_id=ctx.txn())
        return
    if etype == "m.reaction":
        if ctx.kind == "operator" and not await handoff.reaction(ctx):
            await operator.on_reaction(ctx)
        return
    mt = ctx.msgtype
    if mt == "m.notice" or ctx.content.get("m.new_content"):
        return  # other bots' notices and edits are not commands
    if ctx.kind == "operator":
        await _operator_message(ctx)
        return
    if ctx.kind == "announce":
        if _text_of(ctx).lower().startswith(cmds.BANTUAN):
            await ctx.reply(cmds.help_warga(), mention=False)
        return
    await _resident_message(ctx)


async def _operator_message(ctx: Ctx) -> None:
    """Operator room: voice answers and the operator commands (power level checked)."""
    if ctx.msgtype == "m.audio":
        if await ctx.matrix.is_operator(ctx.sender):
            await voice.operator_audio(ctx)
        return
    if ctx.msgtype not in ("m.text", None):
        return
    text = fmt.strip_mention(_text_of(ctx), *_names(ctx))
    if not text.startswith("!"):
        await handoff.thread_message(ctx, text)
        return
    name, _, rest = text.partition(" ")
    cmd = cmds.find(name)
    if cmd is not None and cmd.name == cmds.BANTUAN:
        await ctx.reply(cmds.help_operator() + "\n\n" + cmds.help_warga(), mention=False)
        return
    if cmd is None or cmd.who != cmds.OPERATOR:
        await ctx.reply(UNKNOWN_OPERATOR, mention=False)
        return
    if not await ctx.matrix.is_operator(ctx.sender):
        await ctx.reply(operator.REFUSED, mention=False)
        return
    await cmd.handler(ctx, rest.strip())


async def _resident_message(ctx: Ctx) -> None:
    """DM or community room: commands, the report dialogue, voice notes and questions to Rasa."""
    mt = ctx.msgtype
    conv = ctx.state.get_conv(ctx.sender, ctx.room_id)
    if mt in ("m.audio", "m.image", "m.video", "m.file", "m.location"):
        if conv:
            await lapor.continue_conv(ctx, conv, None)
        elif mt == "m.audio":
            await voice.relay_to_operators(ctx)
        elif mt == "m.location" and ctx.kind == "dm":
            await ctx.reply("Lokasi diterima. Untuk melaporkan kejadian di lokasi ini, ketik !lapor lalu "
                            "bagikan lokasinya lagi saat diminta. " + DARURAT)
        return
    if mt not in ("m.text", "m.emote", None):
        return
    body = _text_of(ctx)
    mentioned = ctx.kind == "dm" or fmt.is_mentioning(ctx.content, *_names(ctx))
    text = fmt.strip_mention(body, *_names(ctx)) if mentioned else body
    if not text:
        return
    name = text.split()[0].lower() if text.startswith("!") else None
    cmd = cmds.find(name)
    if cmd is not None:
        if cmd.name == cmds.BANTUAN:
            await ctx.reply(cmds.help_warga())
        elif cmd.who == cmds.OPERATOR:
            await ctx.reply(ONLY_OPERATORS)
        else:
            await cmd.handler(ctx, text[len(name):].strip())
        return
    if await handoff.citizen(ctx, text, mentioned):
        return
    if conv:
        await lapor.continue_conv(ctx, conv, text)
        return
    if name:
        await ctx.reply(UNKNOWN)
        return
    options = ctx.state.get_options(ctx.sender, ctx.room_id)
    if options and text.strip().rstrip(".").isdigit():
        n = int(text.strip().rstrip("."))
        if 1 <= n <= len(options):
            await qa.ask(ctx, options[n - 1])
            return
    if not mentioned:
        return
    if await lapor.wants_report(ctx, text):
        await lapor.start(ctx, text, natural=True)
        return
    await qa.ask(ctx, text)

