"""Event dispatch: one module per concern (qa, lapor, operator, siaran, voice)."""
from __future__ import annotations

from .. import formatting as fmt
from . import lapor, operator, qa, voice


def _text_of(ctx) -> str:
    return fmt.strip_reply_fallback(ctx.content.get("body") or "")


async def dispatch(ctx) -> None:
    bot = ctx.bot
    etype = ctx.event.get("type")
    if etype == "m.room.encrypted":
        if ctx.kind in ("dm", "community") and not bot.state.get(f"enc_warned:{ctx.room_id}"):
            bot.state.set(f"enc_warned:{ctx.room_id}", "1")
            await bot.notice(ctx.room_id, "Maaf, saya belum bisa membaca pesan terenkripsi. Silakan buat "
                             "percakapan baru dengan enkripsi dimatikan, atau tulis di ruang komunitas. "
                             + fmt.DARURAT, txn_id=ctx.txn())
        return
    if etype == "m.reaction":
        if ctx.kind == "operator":
            await operator.on_reaction(ctx)
        return
    mt = ctx.msgtype
    if mt == "m.notice" or ctx.content.get("m.new_content"):
        return  # other bots' notices and edits are not commands
    if ctx.kind == "operator":
        await operator.on_message(ctx)
        return
    if ctx.kind == "announce":
        if _text_of(ctx).lower().startswith("!bantuan"):
            await ctx.reply(fmt.BANTUAN, mention=False)
        return

    # DM or community room
    conv = bot.state.get_conv(ctx.sender, ctx.room_id)
    if mt in ("m.audio", "m.image", "m.video", "m.file", "m.location"):
        if conv:
            await lapor.continue_conv(ctx, conv, None)
        elif mt == "m.audio":
            await voice.relay_to_operators(ctx)
        elif mt == "m.location" and ctx.kind == "dm":
            await ctx.reply("Lokasi diterima. Untuk melaporkan kejadian di lokasi ini, ketik !lapor lalu "
                            "bagikan lokasinya lagi saat diminta. " + fmt.DARURAT)
        return
    if mt not in ("m.text", "m.emote", None):
        return
    body = _text_of(ctx)
    mentioned = ctx.kind == "dm" or fmt.is_mentioning(ctx.content, bot.cfg.bot_user_id, [bot.cfg.bot_display_name])
    text = fmt.strip_mention(body, bot.cfg.bot_user_id, [bot.cfg.bot_display_name]) if mentioned else body
    if not text:
        return
    cmd = text.split()[0].lower() if text.startswith("!") else None
    if cmd == "!bantuan":
        await ctx.reply(fmt.BANTUAN)
        return
    if cmd in ("!terima", "!tangani", "!selesai", "!tolak", "!siaran", "!jawab", "!laporan"):
        await ctx.reply("Maaf, perintah ini hanya untuk operator Polres di ruang operator.")
        return
    if cmd == "!batal":
        await lapor.cancel(ctx, conv)
        return
    if cmd == "!status":
        await lapor.status(ctx, text)
        return
    if cmd == "!lapor":
        await lapor.start(ctx, text[len("!lapor"):].strip(), natural=False)
        return
    if conv:
        await lapor.continue_conv(ctx, conv, text)
        return
    if cmd:
        await ctx.reply("Perintah tidak dikenal. Ketik !bantuan untuk melihat daftar perintah.")
        return
    options = bot.state.get_options(ctx.sender, ctx.room_id)
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
