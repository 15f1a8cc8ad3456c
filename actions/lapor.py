"""Incident reports from the chat: `lapor_form`, its validation, submission and status answers.

Flow: intent `lapor_kejadian` → `action_lapor_mulai` (110/112 first, kind from the message) →
`lapor_form` (jenis_kejadian, lokasi_kejadian, waktu_kejadian, deskripsi_kejadian; "batal"
cancels) → `action_lapor_kirim` validates with `reports.schema` and POSTs to the report API
(`REPORTS_API_URL`, bearer `REPORTS_TOKEN` or var/reports.token). When the API cannot be reached the
report goes to the JSONL outbox (`REPORTS_OUTBOX`, var/reports-outbox.jsonl) that the report
service ingests later; nothing is lost and the user is told so honestly.
`lapor_status` → `action_lapor_status`; `lapor_pembaruan_status` (injected by the report service
via trigger_intent) → `action_lapor_pembaruan`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from reports import config as rconfig
from reports import outbox, schema

logger = logging.getLogger(__name__)

FORM = "lapor_form"
FORM_SLOTS = ("jenis_kejadian", "lokasi_kejadian", "waktu_kejadian", "deskripsi_kejadian")
HTTP_TIMEOUT = 10.0

DARURAT_PEMBUKA = (
    "Jika ada korban, bahaya, atau pelaku masih di lokasi, segera telepon 110 (Polisi) atau 112 "
    "(gratis, 24 jam)."
)
TERCATAT = (
    "Laporan Anda tercatat dengan nomor {id}. Petugas kami akan menindaklanjuti. "
    "Jika darurat, segera telepon 110 atau 112.\n"
    "Simpan nomor ini untuk menanyakan perkembangannya, misalnya: \"status laporan {id}\"."
)
ANTRE = (
    "Mohon maaf, layanan laporan sedang mengalami gangguan. Laporan Anda sudah kami simpan dan akan "
    "diteruskan ke petugas secara otomatis begitu layanan pulih; nomor laporan akan kami kirimkan "
    "setelah tercatat. Jika darurat, segera telepon 110 atau 112."
)
GAGAL_SIMPAN = (
    "Mohon maaf, laporan Anda belum berhasil tersimpan karena gangguan sistem. Silakan coba lagi "
    "beberapa saat lagi dengan mengetik \"lapor\". Jika darurat, segera telepon 110 atau 112."
)
DIBATALKAN = (
    "Baik, laporan dibatalkan dan tidak dikirim. Jika ingin melapor lagi, ketik \"lapor\". "
    "Jika darurat, segera telepon 110 atau 112."
)
STATUS_GANGGUAN = (
    "Mohon maaf, status laporan belum bisa dicek saat ini karena gangguan sistem. Silakan coba lagi "
    "nanti. Jika darurat, segera telepon 110 atau 112."
)

_BATAL = re.compile(
    r"^\s*(?:/?batal(?:kan|in)?|cancel|stop|berhenti|(?:eh\s+)?(?:gak|ga|nggak|ngga|enggak|tidak|tdk|"
    r"gk|ndak|ora)\s+jadi|tidak\s+usah|gak\s+usah|ga\s+usah|nggak\s+usah|udahan|sudah\s+tidak\s+perlu|"
    r"batalkan\s+laporan(?:\s+ini)?|batal\s+lapor|(?:saya\s+)?tidak\s+jadi\s+lapor|ora\s+sida)"
    r"\s*(?:aja|saja|deh|dulu|ya|pak|min|kak)?\s*[.!]*\s*$",
    re.IGNORECASE,
)


def is_external(tracker: Tracker) -> bool:
    """True for a message injected through Rasa's trigger_intent, not typed by the user."""
    latest = tracker.latest_message or {}
    meta = latest.get("metadata") or {}
    return bool(meta.get("is_external")) or (latest.get("text") or "").startswith("EXTERNAL: ")


def _intent(tracker: Tracker) -> Text:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def is_cancel(text: Optional[Text]) -> bool:
    return bool(text and _BATAL.match(text))


def _text(tracker: Tracker) -> Text:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def _entity(tracker: Tracker, name: Text) -> Optional[Text]:
    value = next(tracker.get_latest_entity_values(name), None)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _reset_form_slots() -> List[Dict[Text, Any]]:
    return [SlotSet(s, None) for s in FORM_SLOTS]


def _is_payload(text: Text) -> bool:
    return text.startswith("/")


def jenis_from_tracker(tracker: Tracker, slot_value: Any = None) -> Optional[Text]:
    """Kind from this message's entity, the candidate slot value, or the message text."""
    for candidate in (_entity(tracker, "jenis_kejadian"), slot_value):
        mapped = schema.normalize_jenis(candidate) if candidate else None
        if mapped:
            return mapped
    text = _text(tracker)
    return None if _is_payload(text) else schema.normalize_jenis(text)


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


def owns(report: Dict[Text, Any], tracker: Tracker) -> bool:
    me = reporter_of(tracker)
    return report.get("pelapor") == me["pelapor"] and report.get("kanal") == me["kanal"]


def idempotency_key(tracker: Tracker) -> Text:
    """Stable per filled form: sender + timestamp of the form's activation event."""
    ts = None
    for ev in reversed(tracker.events or []):
        if ev.get("event") == "active_loop" and ev.get("name") == FORM:
            ts = ev.get("timestamp")
            break
    if ts is None:  # should not happen; fall back to the latest user message
        for ev in reversed(tracker.events or []):
            if ev.get("event") == "user":
                ts = ev.get("timestamp")
                break
    return f"rasa:{tracker.sender_id}:{ts}"


def _headers() -> Dict[Text, Text]:
    token = rconfig.load_token(create=False)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    return h


async def _api(method: Text, path: Text, body: Any = None) -> Tuple[int, Any]:
    """Call the report API; (status, json). Raises aiohttp.ClientError/asyncio.TimeoutError/OSError
    when it is unreachable."""
    url = rconfig.api_url() + path
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT)) as s:
        async with s.request(method, url, headers=_headers(),
                             data=None if body is None else json.dumps(body)) as resp:
            try:
                data = await resp.json(content_type=None)
            except (ValueError, aiohttp.ContentTypeError):
                data = None
            return resp.status, data


_UNREACHABLE = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


# ------------------------------------------------------------------------------------------ form
class ActionLaporMulai(Action):
    """First reply when the user wants to report: 110/112 first, the kind if the message names it,
    and a clean form (slots of an earlier report are cleared)."""

    def name(self) -> Text:
        return "action_lapor_mulai"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        jenis = jenis_from_tracker(tracker)
        teks = ["Baik, saya bantu mencatat laporan Anda untuk diteruskan ke petugas.",
                DARURAT_PEMBUKA]
        if jenis:
            teks.append(f"Jenis kejadian: {schema.jenis_label(jenis)}.")
        teks.append("Ketik \"batal\" kapan saja untuk membatalkan.")
        dispatcher.utter_message(text=" ".join(teks))
        # Only touch slots that change: the form validates every slot set since the user's message.
        events = [SlotSet(s, None) for s in FORM_SLOTS[1:] if tracker.get_slot(s) is not None]
        if tracker.get_slot("jenis_kejadian") != jenis:
            events.append(SlotSet("jenis_kejadian", jenis))
        return events


class ValidateLaporForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_lapor_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        # "batal" while the form is asking something: stop without submitting.
        if tracker.get_slot("requested_slot") and is_cancel(_text(tracker)):
            dispatcher.utter_message(text=DIBATALKAN)
            return [*_reset_form_slots(), SlotSet("requested_slot", None), ActiveLoop(None)]
        if is_external(tracker):
            # An intent injected by the report service (trigger_intent) while the user is filling
            # the form: its text ("EXTERNAL: ...") is not an answer. Show the update; the form
            # then asks its current question again.
            if _intent(tracker) == "lapor_pembaruan_status":
                await ActionLaporPembaruan().run(dispatcher, tracker, domain)
            return [SlotSet(slot, None) for slot in tracker.slots_to_validate() if slot in FORM_SLOTS]
        return await super().run(dispatcher, tracker, domain)

    def validate_jenis_kejadian(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if slot_value is None:  # a reset (new report / cancel), not an answer: nothing to say
            return {"jenis_kejadian": None}
        jenis = jenis_from_tracker(tracker, slot_value)
        if jenis:
            return {"jenis_kejadian": jenis}
        dispatcher.utter_message(text="Maaf, jenis kejadiannya belum saya kenali. Silakan pilih salah "
                                      "satu tombol, atau ketik misalnya \"kecelakaan\", \"pencurian\", "
                                      "\"banjir\", atau \"lainnya\".")
        return {"jenis_kejadian": None}

    # Free-text answers: (slot, minimum length, maximum length, "too short" and "too long" prompts).
    FREE_TEXT = {
        "lokasi_kejadian": (3, schema.MAX_LOKASI,
                            "Mohon tuliskan lokasi kejadian lebih jelas, misalnya nama jalan, "
                            "desa/kelurahan, atau patokan terdekat.",
                            f"Lokasinya terlalu panjang. Mohon singkat saja (maksimal {schema.MAX_LOKASI} "
                            "karakter); detailnya bisa ditulis di keterangan kejadian."),
        "waktu_kejadian": (1, schema.MAX_WAKTU,
                           "Mohon tuliskan kapan kejadiannya, misalnya \"barusan\" atau \"tadi pukul 14.00\".",
                           f"Mohon tuliskan waktunya singkat saja (maksimal {schema.MAX_WAKTU} karakter), "
                           "misalnya \"kemarin pukul 21.00\"."),
        "deskripsi_kejadian": (5, schema.MAX_DESKRIPSI,
                               "Mohon ceritakan kejadiannya sedikit lebih lengkap: apa yang terjadi, siapa "
                               "yang terlibat, dan apakah ada korban.",
                               f"Keterangannya terlalu panjang (maksimal {schema.MAX_DESKRIPSI} karakter). "
                               "Mohon diringkas."),
    }

    def _free_text(self, slot: Text, slot_value: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        if slot_value is None:  # a reset (new report / cancel), not an answer: nothing to say
            return {slot: None}
        min_len, max_len, too_short, too_long = self.FREE_TEXT[slot]
        teks = str(slot_value or "").strip()
        if _is_payload(teks) or len(teks) < min_len:
            dispatcher.utter_message(text=too_short)
            return {slot: None}
        if len(teks) > max_len:
            dispatcher.utter_message(text=too_long)
            return {slot: None}
        return {slot: teks}

    def validate_lokasi_kejadian(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._free_text("lokasi_kejadian", slot_value, dispatcher)

    def validate_waktu_kejadian(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._free_text("waktu_kejadian", slot_value, dispatcher)

    def validate_deskripsi_kejadian(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self._free_text("deskripsi_kejadian", slot_value, dispatcher)


class ActionLaporKirim(Action):
    """Submit the filled form to the report API; queue it in the outbox if the API is down."""

    def name(self) -> Text:
        return "action_lapor_kirim"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        values = {s: tracker.get_slot(s) for s in FORM_SLOTS}
        if not all(values.values()):
            # The form was cancelled (ValidateLaporForm already answered): nothing to send.
            return _reset_form_slots()
        payload = {
            "jenis": values["jenis_kejadian"],
            "lokasi": {"teks": values["lokasi_kejadian"]},
            "waktu": values["waktu_kejadian"],
            "deskripsi": values["deskripsi_kejadian"],
            "idempotency_key": idempotency_key(tracker),
            **reporter_of(tracker),
        }
        try:
            schema.validate_new(payload)
        except schema.ReportInvalid as exc:
            logger.warning("report from %s invalid (%s): %s", tracker.sender_id, exc.field, exc.pesan)
            dispatcher.utter_message(text=f"Mohon maaf, laporan belum bisa dikirim: {exc.pesan} "
                                          "Silakan ulangi dengan mengetik \"lapor\". Jika darurat, "
                                          "segera telepon 110 atau 112.")
            return _reset_form_slots()
        try:
            status, data = await _api("POST", "/v1/reports", payload)
        except _UNREACHABLE as exc:
            logger.error("report API unreachable (%s); queueing report of %s", exc, tracker.sender_id)
            return self._queue(dispatcher, payload)
        if status in (200, 201) and isinstance(data, dict) and data.get("id"):
            dispatcher.utter_message(text=TERCATAT.format(id=data["id"]))
            return [*_reset_form_slots(), SlotSet("laporan_id", data["id"])]
        if status == 400 and isinstance(data, dict):
            dispatcher.utter_message(text=f"Mohon maaf, laporan belum bisa dikirim: {data.get('pesan')} "
                                          "Silakan ulangi dengan mengetik \"lapor\". Jika darurat, "
                                          "segera telepon 110 atau 112.")
            return _reset_form_slots()
        logger.error("report API answered %s %s; queueing report of %s", status, data, tracker.sender_id)
        return self._queue(dispatcher, payload)

    @staticmethod
    def _queue(dispatcher: CollectingDispatcher, payload: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            outbox.append(rconfig.outbox_path(), payload)
        except OSError:
            # Last resort: the full report goes to the action server log, so staff can recover it.
            logger.exception("OUTBOX WRITE FAILED, report payload follows: %s",
                             json.dumps(payload, ensure_ascii=False))
            dispatcher.utter_message(text=GAGAL_SIMPAN)
            return _reset_form_slots()
        dispatcher.utter_message(text=ANTRE)
        return _reset_form_slots()


# ------------------------------------------------------------------------------------------ status
def _queued_for(pelapor: Text) -> int:
    """How many reports of this sender still wait in the outbox."""
    path = rconfig.outbox_path()
    n = 0
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                payload = item.get("payload", item) if isinstance(item, dict) else {}
                if isinstance(payload, dict) and payload.get("pelapor") == pelapor:
                    n += 1
    except OSError:
        return 0
    return n


class ActionLaporStatus(Action):
    """Status of the reports named in the message (LK-YYYY-NNNNNN), else of all of this user's."""

    def name(self) -> Text:
        return "action_lapor_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        ids = schema.find_ids(" ".join(
            [_text(tracker)] + [str(v) for v in tracker.get_latest_entity_values("laporan_id")]))
        me = reporter_of(tracker)
        try:
            if ids:
                lines = []
                for rid in ids[:5]:
                    status, data = await _api("GET", f"/v1/reports/{rid}")
                    if status == 200 and isinstance(data, dict):
                        if not owns(data, tracker):
                            data = {**data, "alasan": None}  # others' rejection reasons stay private
                        lines.append("- " + schema.format_status_line(data))
                    elif status == 404:
                        lines.append(f"- {rid}: tidak ditemukan. Mohon periksa kembali nomornya.")
                    else:
                        raise OSError(f"report API answered {status}")
                dispatcher.utter_message(text="Status laporan:\n" + "\n".join(lines) +
                                              "\nJika darurat, segera telepon 110 atau 112.")
                return [SlotSet("laporan_id", ids[0])]
            status, data = await _api("GET", f"/v1/reports?pelapor={_q(me['pelapor'])}"
                                             f"&kanal={me['kanal']}&limit=10")
            if status != 200 or not isinstance(data, dict):
                raise OSError(f"report API answered {status}")
            reports = data.get("reports") or []
        except _UNREACHABLE as exc:
            logger.error("report API unreachable for status of %s: %s", tracker.sender_id, exc)
            dispatcher.utter_message(text=STATUS_GANGGUAN)
            return []
        antre = _queued_for(me["pelapor"]) if me["kanal"] == "web" else 0
        if not reports and not antre:
            dispatcher.utter_message(text="Belum ada laporan yang tercatat dari percakapan ini. Jika "
                                          "Anda punya nomor laporan, sebutkan nomornya (contoh: "
                                          "LK-2026-000123). Untuk membuat laporan, ketik \"lapor\".")
            return []
        lines = [f"- {schema.format_status_line(r)}" for r in reports]
        teks = "Laporan Anda:\n" + "\n".join(lines) if lines else ""
        if antre:
            teks += ("\n" if teks else "") + (
                f"{antre} laporan Anda masih dalam antrean dan akan segera diteruskan ke petugas; "
                "nomornya akan kami kirimkan setelah tercatat.")
        dispatcher.utter_message(text=teks + "\nJika darurat, segera telepon 110 atau 112.")
        return [SlotSet("laporan_id", reports[0]["id"])] if reports else []


def _q(value: Text) -> Text:
    from urllib.parse import quote

    return quote(value, safe="")


class ActionLaporPembaruan(Action):
    """Tell the user that the status of their report changed (intent injected by the service)."""

    def name(self) -> Text:
        return "action_lapor_pembaruan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        ids = schema.find_ids(_entity(tracker, "laporan_id") or "")
        if not ids:
            return []
        rid = ids[0]
        try:
            status, report = await _api("GET", f"/v1/reports/{rid}")
        except _UNREACHABLE as exc:
            logger.error("report API unreachable for update of %s: %s", rid, exc)
            status, report = 0, None
        if status != 200 or not isinstance(report, dict):
            # Cannot check the report now: a generic note without any report details.
            baru = _entity(tracker, "status_laporan")
            if baru in schema.STATUS:
                dispatcher.utter_message(text=f"Ada pembaruan status untuk laporan {rid}: "
                                              f"{schema.status_label(baru)}. Ketik \"status laporan {rid}\" "
                                              f"untuk melihat rinciannya nanti.\n{schema.DARURAT}")
            return []
        if not owns(report, tracker):
            # Only the reporter hears about a report (a user could type the intent payload).
            logger.warning("status update of %s requested in conversation %s: not the reporter",
                           rid, tracker.sender_id)
            return []
        dispatcher.utter_message(text=schema.format_status_message(report))
        return [SlotSet("laporan_id", rid)]
