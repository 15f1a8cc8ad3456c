"""Operator room: report triage commands and reactions (power level >= 50 only)."""
from __future__ import annotations

import logging

from reports import schema
from reports.store import ReportNotFound, TransitionInvalid
from reports.texts import format_status_line
from reports.vocabulary import STATUS, status_label

from ..context import Ctx

log = logging.getLogger("matrix_bridge.operator")

REACTION_STATUS = {"✅": "diterima", "✔": "diterima", "👮": "ditangani", "👮‍♂": "ditangani",
                   "👮‍♀": "ditangani", "🏁": "selesai"}
REFUSED = ("Maaf, hanya operator Polres (tingkat daya ≥ 50 di ruang operator) yang boleh memakai "
           "perintah ini.")


def _norm_key(key: str) -> str:
    return key.replace("\ufe0f", "").strip()


def status_command(status: str):
    """Handler of !terima / !tangani / !selesai / !tolak: set `status` on the named report."""
    async def handle(ctx: Ctx, rest: str) -> None:
        await _status_command(ctx, status, rest)
    return handle


async def _status_command(ctx: Ctx, status: str, rest: str) -> None:
    ids = schema.find_ids(rest)
    report_id = ids[0] if ids else None
    extra = schema.ID_RE.sub("", rest, count=1).strip() if ids else rest
    if not report_id and ctx.reply_to_event:
        r = ctx.store.find_by_operator_event(ctx.reply_to_event)
        report_id = r["id"] if r else None
    if not report_id:
        await ctx.reply("Sebutkan nomor laporan, misalnya: !terima LK-2026-000001 (atau balas kartu "
                        "laporannya).", mention=False)
        return
    alasan = extra if status == "ditolak" else None
    if status == "ditolak" and not alasan:
        await ctx.reply(f"Alasan penolakan wajib diisi: !tolak {report_id} alasan", mention=False)
        return
    oleh = extra if status == "ditangani" and extra else ctx.sender
    await apply_status(ctx, report_id, status, oleh, alasan)


async def apply_status(ctx: Ctx, report_id: str, status: str, oleh: str, alasan: str | None) -> None:
    try:
        before = ctx.store.get(report_id)
        report = ctx.store.update_status(report_id, status, oleh, alasan=alasan)
    except ReportNotFound:
        await ctx.reply(f"Laporan {report_id} tidak ditemukan.", mention=False)
        return
    except TransitionInvalid as e:
        await ctx.reply(f"{report_id}: {e}", mention=False)
        return
    ctx.deps.delivery.wake()
    if before and before.get("status") == report["status"]:
        await ctx.reply(f"{report_id} sudah berstatus {status_label(report['status'])}.", mention=False)
        return
    who = f" oleh {oleh}" if oleh else ""
    await ctx.reply(f"{report_id}: status sekarang {status_label(report['status'])}{who}. "
                    "Pelapor sudah diberi kabar.", mention=False)


async def list_reports(ctx: Ctx, rest: str) -> None:
    """!laporan [status]: the newest reports."""
    status = rest.split()[0].lower() if rest else None
    if status and status not in STATUS:
        await ctx.reply("Status tidak dikenal. Pilihan: " + ", ".join(STATUS), mention=False)
        return
    reports = ctx.store.list(status=status, limit=10)
    if not reports:
        await ctx.reply("Belum ada laporan.", mention=False)
        return
    await ctx.reply("Laporan terbaru:\n" + "\n".join(format_status_line(r) for r in reports), mention=False)


async def on_reaction(ctx: Ctx) -> None:
    rel = ctx.content.get("m.relates_to") or {}
    if rel.get("rel_type") != "m.annotation":
        return
    status = REACTION_STATUS.get(_norm_key(rel.get("key", "")))
    if not status:
        return
    report = ctx.store.find_by_operator_event(rel.get("event_id", ""))
    if not report:
        return
    if not await ctx.matrix.is_operator(ctx.sender):
        await ctx.reply(REFUSED, mention=False)
        return
    await apply_status(ctx, report["id"], status, ctx.sender, None)
