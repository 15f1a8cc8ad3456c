"""Walkie-talkie: voice notes (m.audio) from community rooms go to the operator room with who
and where; operators answer by voice (reply to the relayed voice with an m.audio, or
`!jawab #room` followed by / replying to an m.audio) and it is relayed back."""
from __future__ import annotations

import logging

from reports.vocabulary import DARURAT

from ..context import Ctx

log = logging.getLogger("matrix_bridge.voice")


def _room_label(matrix, room_id: str) -> str:
    for alias, rid in matrix.room_ids.items():
        if rid == room_id:
            return alias
    room = matrix.room(room_id)
    if room is not None and room.canonical_alias:
        return room.canonical_alias
    if room is not None and room.display_name:
        return room.display_name
    return room_id


def _audio_copy(content: dict) -> dict:
    keys = ("msgtype", "body", "url", "info", "file", "org.matrix.msc1767.audio", "org.matrix.msc3245.voice",
            "org.matrix.msc1767.file")
    out = {k: content[k] for k in keys if k in content}
    out["msgtype"] = "m.audio"
    return out


async def relay_to_operators(ctx: Ctx) -> None:
    matrix = ctx.matrix
    if not ctx.deps.question_limiter.allow(ctx.sender):
        await ctx.reply("Mohon maaf, pesan suara Anda terlalu cepat. Tunggu sebentar ya. " + DARURAT)
        return
    where = _room_label(matrix, ctx.room_id) if ctx.kind == "community" else "pesan langsung"
    intro = (f"🎙️ Pesan suara dari {ctx.sender} di {where}. Balas pesan suara ini dengan pesan suara "
             f"untuk menjawab (atau !jawab {where if where.startswith('#') else ctx.room_id}).")
    eid1 = await matrix.notice(matrix.operator_room, intro, txn_id=ctx.txn())
    eid2 = await matrix.send(matrix.operator_room, _audio_copy(ctx.content), txn_id=ctx.txn())
    for eid, kind in ((eid1, "voice-intro"), (eid2, "voice")):
        if eid:
            ctx.state.add_relay(eid, ctx.room_id, ctx.sender, kind, origin_event=ctx.event_id)
    if eid2:
        await ctx.reply("Pesan suara Anda sudah diteruskan ke operator Polres. " + DARURAT)


async def _send_back(ctx: Ctx, target_room: str, audio: dict, reply_to: str | None = None) -> None:
    matrix = ctx.matrix
    label = _room_label(matrix, target_room)
    await matrix.notice(target_room, "🎙️ Jawaban suara dari operator Polres Batang:", txn_id=ctx.txn(),
                     reply_to=reply_to)
    eid = await matrix.send(target_room, _audio_copy(audio), txn_id=ctx.txn())
    if eid:
        ctx.state.add_relay(eid, target_room, ctx.sender, "voice-answer", origin_event=ctx.event_id)
        await ctx.reply(f"Pesan suara terkirim ke {label}.", mention=False)
    else:
        await ctx.reply(f"Gagal mengirim ke {label}. Pastikan bot ada di ruang itu.", mention=False)


async def operator_audio(ctx: Ctx) -> None:
    """m.audio from an operator in the operator room."""
    target, reply_to = None, None
    if ctx.reply_to_event:
        rel = ctx.state.get_relay(ctx.reply_to_event)
        if rel:
            target, reply_to = rel["room_id"], rel.get("origin_event")
    if target is None:
        target = ctx.state.pop_pending_jawab(ctx.sender)
    if target is None:
        return  # an ordinary voice note among operators
    await _send_back(ctx, target, ctx.content, reply_to)


async def jawab_command(ctx: Ctx, rest: str) -> None:
    """!jawab #room: the operator's next voice note goes to that room."""
    arg = rest.split()[0] if rest else ""
    if not arg:
        await ctx.reply("Sebutkan ruangnya, misalnya: !jawab #ojol-batang", mention=False)
        return
    target = await ctx.matrix.resolve_alias(arg)
    if not target:
        await ctx.reply(f"Ruang {arg} tidak ditemukan.", mention=False)
        return
    if ctx.reply_to_event:
        content = await ctx.matrix.event_content(ctx.room_id, ctx.reply_to_event)
        if content.get("msgtype") == "m.audio":
            await _send_back(ctx, target, content)
            return
    ctx.state.set_pending_jawab(ctx.sender, target)
    await ctx.reply(f"Siap. Pesan suara Anda berikutnya di ruang ini akan dikirim ke {arg}.", mention=False)
