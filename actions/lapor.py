"""Incident reports from the chat: `lapor_form`, its validation, submission and status answers.

Flow: intent `lapor_kejadian` → `action_lapor_mulai` (110/112 first, kind from the message) →
`lapor_form` (jenis_kejadian, lokasi_kejadian, waktu_kejadian, deskripsi_kejadian; "batal"
cancels; its questions come from `action_ask_<slot>`, built from reports.vocabulary) →
`action_lapor_kirim` validates with `reports.schema` and submits through `reports.client`
(`REPORTS_API_URL`, bearer `REPORTS_TOKEN` or var/reports.token). When the API cannot be reached the
client puts the report in the outbox that the report service ingests later; nothing is lost and
the user is told so honestly.
Status answers (`action_lapor_status`, `action_lapor_pembaruan`) are in lapor_status.py.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import entity, latest_text, load_kb_or_none
from actions.lapor_lokasi import MINTA_LOKASI, gps_since_form, wants_marker
from actions.lapor_status import ActionLaporPembaruan, reporter_of
from actions.urgensi import SEGERA, is_urgent, urgent_text
from reports import schema
from reports.client import ReportClient
from reports.kinds import normalize_jenis
from reports.vocabulary import DARURAT, DARURAT_PEMBUKA, JENIS_URUTAN_WEB, PROMPT, jenis_label, jenis_pilihan

logger = logging.getLogger(__name__)

FORM = "lapor_form"
FORM_SLOTS = ("jenis_kejadian", "lokasi_kejadian", "waktu_kejadian", "deskripsi_kejadian")
# Payload of a kind button: the intent that starts a report, with the kind as entity.
JENIS_PAYLOAD = '/lapor_kejadian{{"jenis_kejadian": "{jenis}"}}'

TERCATAT = (
    "Laporan Anda tercatat dengan nomor {id}. Petugas kami akan menindaklanjuti. "
    "Jika darurat, segera telepon 110 atau 112.\n"
    "Simpan nomor ini untuk menanyakan perkembangannya, misalnya: \"status laporan {id}\"."
)
# The secret code (reports/access.py): the only way to check the status from another conversation.
KODE_RAHASIA = (
    "\nKode rahasia laporan: {kode}. Catat dan jangan bagikan kode ini. Dari percakapan atau "
    "perangkat lain, status hanya bisa dicek dengan nomor dan kode ini, misalnya: "
    "\"status {id} kode {kode}\"."
)
ANTRE = (
    "Mohon maaf, layanan laporan sedang mengalami gangguan. Laporan Anda sudah kami simpan dan akan "
    "diteruskan ke petugas secara otomatis begitu layanan pulih; nomor laporan akan kami kirimkan "
    f"setelah tercatat. {DARURAT}"
)
GAGAL_SIMPAN = (
    "Mohon maaf, laporan Anda belum berhasil tersimpan karena gangguan sistem. Silakan coba lagi "
    f"beberapa saat lagi dengan mengetik \"lapor\". {DARURAT}"
)
DIBATALKAN = (
    f"Baik, laporan dibatalkan dan tidak dikirim. Jika ingin melapor lagi, ketik \"lapor\". {DARURAT}"
)
BELUM_TERKIRIM = ("Mohon maaf, laporan belum bisa dikirim: {pesan} Silakan ulangi dengan mengetik "
                  "\"lapor\". " + DARURAT)

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


def _reset_form_slots() -> List[Dict[Text, Any]]:
    return [SlotSet(s, None) for s in FORM_SLOTS]


def _is_payload(text: Text) -> bool:
    return text.startswith("/")


def jenis_from_tracker(tracker: Tracker, slot_value: Any = None) -> Optional[Text]:
    """Kind from this message's entity, the candidate slot value, or the message text."""
    for candidate in (entity(tracker, "jenis_kejadian"), slot_value):
        mapped = normalize_jenis(candidate) if candidate else None
        if mapped:
            return mapped
    text = latest_text(tracker).strip()
    return None if _is_payload(text) else normalize_jenis(text)


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


# ------------------------------------------------------------------------------------------ form
class ActionLaporMulai(Action):
    """First reply when the user wants to report: 110/112 first, the kind if the message names it,
    and a clean form (slots of an earlier report are cleared)."""

    def name(self) -> Text:
        return "action_lapor_mulai"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        redirected = offence_follow_up(dispatcher, tracker)
        if redirected is not None:  # "bagaimana dengan penggelapan?" about the offence discussed
            return redirected + [FollowupAction("action_listen")]
        jenis = jenis_from_tracker(tracker)
        teks = ["Baik, saya bantu mencatat laporan Anda untuk diteruskan ke petugas.",
                DARURAT_PEMBUKA]
        if is_urgent(latest_text(tracker)):  # "tolong ada yang ditusuk, mau lapor": call first
            teks = [SEGERA, "Sambil menunggu, saya bantu mencatat laporan Anda untuk diteruskan ke petugas."]
        if jenis:
            teks.append(f"Jenis kejadian: {jenis_label(jenis)}.")
        teks.append("Ketik \"batal\" kapan saja untuk membatalkan.")
        dispatcher.utter_message(text=" ".join(teks))
        # Only touch slots that change: the form validates every slot set since the user's message.
        events = [SlotSet(s, None) for s in FORM_SLOTS[1:] if tracker.get_slot(s) is not None]
        if tracker.get_slot("jenis_kejadian") != jenis:
            events.append(SlotSet("jenis_kejadian", jenis))
        return events


def offence_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """A short follow-up about another offence, or a question for the penalty of an offence
    ("ngrusak motor orang kena apa"), read by the NLU as a wish to report."""
    if (tracker.active_loop or {}).get("name") == FORM:
        return None
    kb = load_kb_or_none()
    if kb is None:
        return None
    from actions.fokus import penalty_question
    from actions.lanjut import offence_follow_up_instead

    text = latest_text(tracker)
    if tracker.get_slot("topik") == "pasal":
        events = offence_follow_up_instead(dispatcher, tracker, kb, text)
        if events is not None:
            return events
    return penalty_question(dispatcher, kb, text)


def jenis_buttons() -> List[Dict[Text, Text]]:
    """The web chat's kind buttons, from the report vocabulary."""
    return [{"title": title, "payload": JENIS_PAYLOAD.format(jenis=key)}
            for key, title in jenis_pilihan(JENIS_URUTAN_WEB)]


class ActionAskJenisKejadian(Action):
    """Question of `lapor_form` for the kind: the vocabulary's prompt with one button per kind."""

    def name(self) -> Text:
        return "action_ask_jenis_kejadian"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=PROMPT["jenis"], buttons=jenis_buttons())
        return []


def _ask(dispatcher: CollectingDispatcher, field: Text) -> List[Dict[Text, Any]]:
    dispatcher.utter_message(text=PROMPT[field])
    return []


class ActionAskLokasiKejadian(Action):
    def name(self) -> Text:
        return "action_ask_lokasi_kejadian"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        if wants_marker(tracker):  # the web chat then offers "Bagikan lokasi" (lapor_lokasi.py)
            dispatcher.utter_message(text=PROMPT["lokasi"], json_message=MINTA_LOKASI)
            return []
        return _ask(dispatcher, "lokasi")


class ActionAskWaktuKejadian(Action):
    def name(self) -> Text:
        return "action_ask_waktu_kejadian"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        return _ask(dispatcher, "waktu")


class ActionAskDeskripsiKejadian(Action):
    def name(self) -> Text:
        return "action_ask_deskripsi_kejadian"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        return _ask(dispatcher, "deskripsi")


class ValidateLaporForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_lapor_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        # "batal" while the form is asking something: stop without submitting.
        if tracker.get_slot("requested_slot") and is_cancel(latest_text(tracker).strip()):
            dispatcher.utter_message(text=DIBATALKAN)
            return [*_reset_form_slots(), SlotSet("requested_slot", None), ActiveLoop(None)]
        if is_external(tracker):
            # An intent injected by the report service (trigger_intent) while the user is filling
            # the form: its text ("EXTERNAL: ...") is not an answer. Show the update; the form
            # then asks its current question again.
            if _intent(tracker) == "lapor_pembaruan_status":

                await ActionLaporPembaruan().run(dispatcher, tracker, domain)
            return [SlotSet(slot, None) for slot in tracker.slots_to_validate() if slot in FORM_SLOTS]
        if tracker.get_slot("requested_slot") and is_urgent(latest_text(tracker)):
            # "tolong ada orang ditusuk" as the answer to a form question: 110/112 at once, and the
            # text is still taken as the answer (nothing the user wrote is lost)
            dispatcher.utter_message(text=urgent_text(load_kb_or_none(), in_form=True))
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
                           "Mohon tuliskan kapan kejadiannya, misalnya \"barusan\" atau "
                           "\"tadi pukul 14.00\".",
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
    """Submit the filled form to the report API; the client queues it in the outbox if the API is down."""

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
            "lokasi": {"teks": values["lokasi_kejadian"], **(gps_since_form(tracker) or {})},
            "waktu": values["waktu_kejadian"],
            "deskripsi": values["deskripsi_kejadian"],
            "idempotency_key": idempotency_key(tracker),
            **reporter_of(tracker),
        }
        try:
            schema.validate_new(payload)
        except schema.ReportInvalid as exc:
            logger.warning("report from %s invalid (%s): %s", tracker.sender_id, exc.field, exc.pesan)
            dispatcher.utter_message(text=BELUM_TERKIRIM.format(pesan=exc.pesan))
            return _reset_form_slots()
        result = await ReportClient().submit(payload)
        if result.outcome == "created":
            teks = TERCATAT.format(id=result.report_id)
            if result.kode:
                teks += KODE_RAHASIA.format(id=result.report_id, kode=result.kode)
            dispatcher.utter_message(text=teks)
            return [*_reset_form_slots(), SlotSet("laporan_id", result.report_id)]
        if result.outcome == "invalid":
            dispatcher.utter_message(text=BELUM_TERKIRIM.format(pesan=result.pesan))
        elif result.outcome == "queued":
            dispatcher.utter_message(text=ANTRE)
        else:
            dispatcher.utter_message(text=GAGAL_SIMPAN)
        return _reset_form_slots()
