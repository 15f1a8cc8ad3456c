"""Q&A relay: question -> Rasa REST webhook -> m.notice reply (buttons as numbered options)."""
from __future__ import annotations

import logging

from reports.vocabulary import DARURAT

from .. import formatting as fmt
from ..context import Ctx
from ..rasa_client import RasaUnavailable
from . import handoff

log = logging.getLogger("matrix_bridge.qa")


async def ask(ctx: Ctx, text: str) -> None:
    if not ctx.deps.question_limiter.allow(ctx.sender):
        await ctx.reply("Mohon maaf, pesan Anda terlalu cepat. Tunggu sebentar lalu coba lagi ya. " + DARURAT)
        return
    handoff.remember_room(ctx)
    try:
        messages = await ctx.deps.rasa.webhook(ctx.sender, text)
    except RasaUnavailable as e:
        log.warning("rasa unavailable: %s", e)
        await ctx.reply("Maaf, layanan tanya-jawab sedang tidak tersedia. Silakan coba beberapa saat lagi. "
                        + DARURAT)
        return
    reply, payloads = fmt.rasa_to_text(messages)
    ctx.state.set_options(ctx.sender, ctx.room_id, payloads)
    if not reply:
        reply = "Maaf, saya belum bisa menjawab itu. Ketik !bantuan untuk melihat yang bisa saya bantu."
    await ctx.reply(reply)
