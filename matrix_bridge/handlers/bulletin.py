"""The operators' !siaran command: set the routine bulletin texts, list them, or send one now.
The schedule and delivery are matrix_bridge/bulletins.py (BulletinService)."""
from __future__ import annotations

from reports.vocabulary import DARURAT

from ..bulletins import DEFAULT_TEXT, SLOT_TITLE, BulletinService
from ..context import Ctx


async def command(ctx: Ctx, rest: str) -> None:
    """!siaran pagi|siang|malam <teks> | lihat | sekarang <teks> [#ruang …]"""
    svc: BulletinService = ctx.deps.bulletins
    cfg = ctx.cfg
    sub, _, text = rest.partition(" ")
    sub = sub.lower()
    text = text.strip()
    if sub in SLOT_TITLE or sub in cfg.bulletin_times:
        if not text:
            await ctx.reply(f"Tuliskan teksnya: !siaran {sub} <teks>", mention=False)
            return
        ctx.state.set_bulletin_text(sub, text, ctx.sender)
        jam = cfg.bulletin_times.get(sub, "?")
        await ctx.reply(f"Teks siaran {sub} (pukul {jam} WIB) disimpan.", mention=False)
        return
    if sub == "lihat":
        lines = [f"{s} ({cfg.bulletin_times[s]} WIB): "
                 f"{ctx.state.get_bulletin_text(s) or '(teks bawaan) ' + DEFAULT_TEXT.get(s, '')}"
                 for s in cfg.bulletin_times]
        await ctx.reply("Siaran rutin:\n" + "\n".join(lines), mention=False)
        return
    if sub == "sekarang":
        words = text.split()
        trailing: list[str] = []
        # Trailing #room arguments choose rooms; '#' words inside the text stay text.
        while words and words[-1].startswith("#"):
            trailing.insert(0, words.pop())
        msg = " ".join(words).strip()
        if not msg:
            await ctx.reply("Tuliskan teksnya: !siaran sekarang <teks> [#ruang …]", mention=False)
            return
        rooms = []
        if trailing:
            for a in trailing:
                rid = await ctx.matrix.resolve_alias(a)
                if not rid:
                    await ctx.reply(f"Ruang {a} tidak ditemukan.", mention=False)
                    return
                rooms.append(rid)
        else:
            rooms = await svc.target_rooms()
        body = f"📢 SIARAN PENTING Polres Batang\n\n{msg}\n\n{DARURAT}"
        ok = await svc.fan_out(body, rooms, f"siaran-now-{ctx.event_id}")
        await ctx.reply(f"Siaran terkirim ke {len(rooms)} ruang." if ok else
                        "Sebagian siaran gagal terkirim; coba lagi.", mention=False)
        return
    await ctx.reply("Format: !siaran pagi|siang|malam <teks>, !siaran lihat, atau "
                    "!siaran sekarang <teks> [#ruang …]", mention=False)
