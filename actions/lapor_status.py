"""Status answers of the web chat's incident reports (reports/client.py does the HTTP).

`lapor_status` → `action_lapor_status`: the reports named in the message, else the user's own.
`lapor_pembaruan_status` (injected by the report service via trigger_intent when an operator
changes a status) → `action_lapor_pembaruan`. Only the reporter sees a report's details.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import entity, latest_text
from reports import schema
from reports.access import find_code
from reports.client import ReportApiUnavailable, ReportClient
from reports.texts import format_status_line, format_status_message
from reports.vocabulary import DARURAT, STATUS, status_label

logger = logging.getLogger(__name__)

STATUS_GANGGUAN = (
    "Mohon maaf, status laporan belum bisa dicek saat ini karena gangguan sistem. Silakan coba lagi "
    f"nanti. {DARURAT}"
)


MATRIX_ID = re.compile(r"^@[^:\s]+:\S+$")


def reporter_of(tracker: Tracker) -> Dict[Text, Any]:
    """kanal and pelapor of this conversation.

    Web-chat users choose their own socket.io session id, so a conversation from the `socketio`
    channel is always `web`, whatever its id looks like (a web user must never reach a Matrix
    user's reports by naming their Matrix id). A conversation relayed by the Matrix bridge (REST
    channel, sender = Matrix user id) is `matrix`. Message metadata is deliberately not trusted.
    """
    sender = tracker.sender_id or ""
    channel = tracker.get_latest_input_channel()
    kanal = "matrix" if channel != "socketio" and MATRIX_ID.match(sender) else "web"
    return {"kanal": kanal, "pelapor": sender}


TIDAK_DITEMUKAN = ("- {rid}: tidak ditemukan di antara laporan dari percakapan ini. Mohon periksa kembali "
                   "nomornya. Jika laporan dibuat dari percakapan atau perangkat lain, sertakan kode "
                   "rahasia laporan, misalnya: \"status LK-2026-000123 kode ABCD-2345\".")


class ActionLaporStatus(Action):
    """Status of the reports named in the message (LK-YYYY-NNNNNN), else of all of this user's.

    A named report is shown only to its reporter (this conversation) or with its secret code in
    the message; the report API enforces it (POST /v1/reports/{id}/cek, reports/access.py) and
    answers "not found" and "not yours" alike."""

    def name(self) -> Text:
        return "action_lapor_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        teks = latest_text(tracker)
        ids = schema.find_ids(" ".join(
            [teks] + [str(v) for v in tracker.get_latest_entity_values("laporan_id")]))
        kode = find_code(teks)
        me = reporter_of(tracker)
        client = ReportClient()
        try:
            if ids:
                lines, found = [], []
                for rid in ids[:5]:
                    data = await client.status_of(rid, kode=kode, **me)
                    if data is None:
                        lines.append(TIDAK_DITEMUKAN.format(rid=rid))
                        continue
                    found.append(rid)
                    lines.append("- " + format_status_line(data))
                dispatcher.utter_message(text="Status laporan:\n" + "\n".join(lines) + f"\n{DARURAT}")
                return [SlotSet("laporan_id", found[0])] if found else []
            reports = await client.reports_of(me["pelapor"], me["kanal"], limit=10)
        except ReportApiUnavailable as exc:
            logger.error("status of %s: %s", tracker.sender_id, exc)
            dispatcher.utter_message(text=STATUS_GANGGUAN)
            return []
        antre = client.queued_for(me["pelapor"]) if me["kanal"] == "web" else 0
        if not reports and not antre:
            dispatcher.utter_message(text="Belum ada laporan yang tercatat dari percakapan ini. Jika "
                                          "Anda punya nomor laporan, sebutkan nomornya (contoh: "
                                          "LK-2026-000123), dan kode rahasianya bila laporan dibuat "
                                          "dari percakapan lain. Untuk membuat laporan, ketik \"lapor\".")
            return []
        lines = [f"- {format_status_line(r)}" for r in reports]
        teks = "Laporan Anda:\n" + "\n".join(lines) if lines else ""
        if antre:
            teks += ("\n" if teks else "") + (
                f"{antre} laporan Anda masih dalam antrean dan akan segera diteruskan ke petugas; "
                "nomornya akan kami kirimkan setelah tercatat.")
        dispatcher.utter_message(text=teks + f"\n{DARURAT}")
        return [SlotSet("laporan_id", reports[0]["id"])] if reports else []


class ActionLaporPembaruan(Action):
    """Tell the user that the status of their report changed (intent injected by the service)."""

    def name(self) -> Text:
        return "action_lapor_pembaruan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        ids = schema.find_ids(entity(tracker, "laporan_id") or "")
        if not ids:
            return []
        rid = ids[0]
        try:
            report = await ReportClient().status_of(rid, **reporter_of(tracker))
        except ReportApiUnavailable as exc:
            logger.error("update of %s: %s", rid, exc)
            # Cannot check the report now: a generic note without any report details.
            baru = entity(tracker, "status_laporan")
            if baru in STATUS:
                dispatcher.utter_message(text=f"Ada pembaruan status untuk laporan {rid}: "
                                              f"{status_label(baru)}. Ketik \"status laporan {rid}\" "
                                              f"untuk melihat rinciannya nanti.\n{DARURAT}")
            return []
        if report is None:
            # Only the reporter hears about a report (a user could type the intent payload); the
            # report API answers "not found" for someone else's report.
            logger.warning("status update of %s requested in conversation %s: not the reporter",
                           rid, tracker.sender_id)
            return []
        dispatcher.utter_message(text=format_status_message(report))
        return [SlotSet("laporan_id", rid)]
