"""Human handoff in chat (issue 15): the operators' commands and thread messages in
#operator-polres, and the gateway for Matrix citizens (while handed off, their messages go to the
operator thread and never to Rasa). The work is done by matrix_bridge/handoff.py (Deps.handoff)."""
from __future__ import annotations

import json
import re

from handoff import texts as tx

from ..context import Ctx
from . import operator

_CODE = re.compile(r"\bH-?(\d{1,6})\b", re.IGNORECASE)
WHERE = ("Perintah ini dipakai di utas permintaan bicara dengan petugas (atau sebutkan kodenya, "
         "misalnya !ambil H-00001). Ketik !handoff untuk daftar permintaan yang terbuka.")


def _ticket(ctx: Ctx, rest: str = "") -> dict | None:
    """The ticket of the thread this event is in, or the one named by its code."""
    svc = ctx.deps.handoff
    if svc is None:
        return None
    t = svc.store.by_root(ctx.thread_root) or svc.store.by_root(ctx.reply_to_event)
    if t is None:
        m = _CODE.search(rest or "")
        t = svc.store.get(int(m.group(1))) if m else None
    return t


async def _say(ctx: Ctx, t: dict | None, text: str | None) -> None:
    if text:
        await ctx.reply(text, mention=False)


async def ambil(ctx: Ctx, rest: str) -> None:
    t = _ticket(ctx, rest)
    if t is None:
        await ctx.reply(WHERE, mention=False)
        return
    _, note = await ctx.deps.handoff.claim(t, ctx.sender, ctx.event_id)
    await _say(ctx, t, note)


async def kembalikan(ctx: Ctx, rest: str) -> None:
    t = _ticket(ctx, rest)
    if t is None:
        await ctx.reply(WHERE, mention=False)
        return
    await _say(ctx, t, await ctx.deps.handoff.end(t, ctx.sender, ctx.event_id))


_report_selesai = operator.status_command("selesai")


async def selesai(ctx: Ctx, rest: str) -> None:
    """!selesai in a handoff thread (or with an H- code) hands back; otherwise it is the report
    status command (!selesai LK-…)."""
    if _ticket(ctx, rest) is not None and not rest.upper().startswith("LK-"):
        await kembalikan(ctx, rest)
        return
    await _report_selesai(ctx, rest)


async def daftar(ctx: Ctx, rest: str) -> None:
    svc = ctx.deps.handoff
    await ctx.reply(tx.op_daftar(svc.store.open_tickets() if svc else []), mention=False)


async def thread_message(ctx: Ctx, text: str) -> bool:
    """An operator's message (not a command) in a handoff thread goes to the citizen."""
    t = _ticket(ctx)
    if t is None or ctx.thread_root is None:
        return False
    if not await ctx.matrix.is_operator(ctx.sender):
        await ctx.reply(operator.REFUSED, mention=False)
        return True
    await _say(ctx, t, await ctx.deps.handoff.officer_message(t, ctx.sender, text, ctx.event_id))
    return True


async def reaction(ctx: Ctx) -> bool:
    """Any reaction on a ticket's root claims it."""
    svc = ctx.deps.handoff
    rel = ctx.content.get("m.relates_to") or {}
    t = svc.store.by_root(rel.get("event_id")) if svc and rel.get("rel_type") == "m.annotation" else None
    if t is None:
        return False
    if not await ctx.matrix.is_operator(ctx.sender):
        await ctx.reply(operator.REFUSED, mention=False)
        return True
    _, note = await svc.claim(t, ctx.sender, ctx.event_id)
    await ctx.matrix.send(ctx.room_id, _thread_notice(t, note), ctx.txn())
    return True


def _thread_notice(t: dict, text: str) -> dict:
    from .. import formatting as fmt
    return fmt.notice(text, thread_root=t["thread_root"])


def remember_room(ctx: Ctx) -> None:
    """Where a Matrix citizen last asked the bot: a handoff they ask for is answered there."""
    ctx.state.set(f"handoff_last:{ctx.sender}", json.dumps({"room": ctx.room_id, "event": ctx.event_id}))


async def citizen(ctx: Ctx, text: str, mentioned: bool) -> bool:
    """True when the citizen is handed off: the message went to the operators, Rasa is not asked."""
    svc = ctx.deps.handoff
    if svc is None:
        return False
    t = svc.store.active_for("matrix", ctx.sender)
    if t is None or (ctx.kind != "dm" and not mentioned) or (t.get("ruang") and t["ruang"] != ctx.room_id):
        return False
    result = await svc.citizen_message("matrix", ctx.sender, text, sumber=ctx.event_id,
                                       ruang=ctx.room_id, event_id=ctx.event_id)
    for line in (result or {}).get("balasan") or []:
        await ctx.reply(line)
    return result is not None
