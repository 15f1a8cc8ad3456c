"""SIM fee answers and the `sim_jenis_form` that asks for the SIM class.

Flow: intent `sim_biaya` → `sim_jenis_form` (requires slot `jenis_sim`; asks with quick-reply
buttons via `action_ask_jenis_sim`) → `action_jawab_sim_biaya` answers with the PNBP fee from
`kb.sim_fee(kelas, layanan)`. The service (baru/perpanjang) is read from the recent SIM-topic
messages (entity `layanan_sim`, words, or the intents `sim_perpanjang` / `sim_syarat_baru`);
when unknown, the answer gives both the new and the extension fee for that class.
The class: entity `jenis_sim`, else `kb.resolve_sim_class(text)`, else the remembered slot.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import answer_topic, subject_events
from actions.common import (
    MAAF_GANGGUAN,
    KnowledgeAction,
    entity,
    latest_intent,
    latest_text,
    load_kb_or_none,
)

# Most asked first; the rest follow in the knowledge base's order.
BUTTON_FIRST = ["C", "A"]
# How many recent SIM-topic user messages may name the service (baru/perpanjang).
MAX_LOOKBACK = 4
# Intents that imply the service (same as the layanan_sim slot mappings in domain/sim.yml).
SERVICE_BY_INTENT = {"sim_perpanjang": "perpanjang", "sim_syarat_baru": "baru"}


def canonical_class(kb, value: Optional[Text]) -> Optional[Text]:
    """Map an entity value or free text ("sim motor", "b1 umum", "C") to a canonical class."""
    if not value:
        return None
    for cls in kb.sim_classes():
        if cls["kelas"].lower() == str(value).strip().lower():
            return cls["kelas"]
    return kb.resolve_sim_class(str(value))


def class_from_tracker(kb, tracker: Tracker) -> Optional[Text]:
    """Class named in this message (entity, then free text), else the remembered slot."""
    return (
        canonical_class(kb, entity(tracker, "jenis_sim"))
        or kb.resolve_sim_class(latest_text(tracker))
        or canonical_class(kb, tracker.get_slot("jenis_sim"))
    )


def _service_in(text: Text, entity_value: Optional[Text]) -> Optional[Text]:
    value = (entity_value or "").lower()
    if not value:
        text = text.lower()
        if re.search(r"perpanjang", text):
            value = "perpanjang"
        elif re.search(r"\b(baru|bikin|membuat|pembuatan)\b", text):
            value = "baru"
    if value.startswith("perpanj"):
        return "perpanjang"
    if value in ("baru", "bikin", "buat", "pembuatan", "membuat"):
        return "baru"
    return None


def service_from_tracker(tracker: Tracker) -> Optional[Text]:
    """'baru' / 'perpanjang' named in the recent SIM messages (entity or words), else the slot.

    Looks back over the latest run of SIM-topic user messages (newest first), so that
    "biaya bikin sim" → "berapa?" → (class asked) → "C" still answers the fee for a NEW SIM C.
    """
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if seen and not ((parse.get("intent") or {}).get("name") or "").startswith(("sim_", "lanjut_")):
            break  # an earlier, different topic
        seen += 1
        ents = [e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "layanan_sim"]
        intent = (parse.get("intent") or {}).get("name")
        found = _service_in(event.get("text") or "", ents[0] if ents else SERVICE_BY_INTENT.get(intent))
        if found or seen >= MAX_LOOKBACK:
            return found
    if seen:
        return None  # not named in the recent SIM messages: give both fees
    # a tracker without user events (hand-built): the latest message, then the slot
    return _service_in(latest_text(tracker), entity(tracker, "layanan_sim")) or _service_in(
        "", tracker.get_slot("layanan_sim"))


def class_buttons(kb) -> List[Dict[Text, Text]]:
    classes = [c["kelas"] for c in kb.sim_classes()]
    ordered = [c for c in BUTTON_FIRST if c in classes] + [c for c in classes if c not in BUTTON_FIRST]
    return [
        {
            "title": f"SIM {kelas}",
            "payload": "/sim_pilih_jenis"
            + json.dumps({"jenis_sim": kelas}, ensure_ascii=False, separators=(",", ":")),
        }
        for kelas in ordered
    ]


def fee_overview(kb, layanan: Optional[Text]) -> Text:
    """"Sebagai gambaran, ..." the fees of the two most asked classes (C, A) for the service."""
    from knowledge import format as kf

    parts = []
    for kelas in BUTTON_FIRST:
        fees = {s: kb.sim_fee(kelas, s) for s in ("baru", "perpanjang")}
        if layanan in fees and fees[layanan]:
            parts.append(f"SIM {kelas} {kf.format_rupiah(fees[layanan]['jumlah'])}")
        elif fees["baru"] and fees["perpanjang"]:
            parts.append(f"SIM {kelas}: baru {kf.format_rupiah(fees['baru']['jumlah'])}, "
                         f"perpanjangan {kf.format_rupiah(fees['perpanjang']['jumlah'])}")
    if not parts:
        return ""
    what = {"baru": "pembuatan baru", "perpanjang": "perpanjangan"}.get(layanan or "", "")
    return f"Sebagai gambaran, biaya PNBP {what + ' ' if what else ''}{'; '.join(parts)}."


def ask_class(dispatcher: CollectingDispatcher, kb, layanan: Optional[Text] = None) -> None:
    overview = fee_overview(kb, layanan)
    dispatcher.utter_message(
        text="SIM golongan apa yang Anda maksud? Silakan pilih, misalnya SIM C untuk sepeda motor "
        "atau SIM A untuk mobil." + (f"\n{overview}" if overview else ""),
        buttons=class_buttons(kb),
    )


def fee_text(kb, kelas: Text, layanan: Optional[Text]) -> Optional[Text]:
    from knowledge import format as kf

    if layanan:
        fee = kb.sim_fee(kelas, layanan)
        if fee is None:
            return None
        text = kf.format_fee(fee)
        extra = kf.caveat(fee)
        return f"{text} {extra}".strip() if extra and extra not in text else text
    baru, perpanjang = kb.sim_fee(kelas, "baru"), kb.sim_fee(kelas, "perpanjang")
    if baru is None or perpanjang is None:
        return None
    basis = ", ".join(baru.get("dasar_hukum") or baru.get("sumber") or [])
    text = (
        f"Biaya PNBP SIM {kelas}: pembuatan baru {kf.format_rupiah(baru['jumlah'])}, "
        f"perpanjangan {kf.format_rupiah(perpanjang['jumlah'])}"
        + (f" ({basis})." if basis else ".")
    )
    extra = kf.caveat(baru)
    return f"{text} {extra}".strip() if extra else text


# Attributes with a per-class answer (a follow-up "kalau SIM A?" keeps the attribute).
CLASS_ATTRIBUTES = ("biaya", "usia", "online", "peningkatan", "golongan")


def class_in_message(kb, tracker: Tracker) -> Optional[Text]:
    """The class the latest message names (entity or text), not the remembered slot."""
    return canonical_class(kb, entity(tracker, "jenis_sim")) or kb.resolve_sim_class(latest_text(tracker))


def answer_fee(dispatcher, tracker: Tracker, kb, kelas: Optional[Text] = None) -> List[Dict[Text, Any]]:
    """The PNBP fee for one class (asks for the class if it is still unknown)."""
    kelas = kelas or class_from_tracker(kb, tracker)
    if kelas is None:
        ask_class(dispatcher, kb, service_from_tracker(tracker))
        return subject_events("sim_biaya")
    layanan = service_from_tracker(tracker)
    text = fee_text(kb, kelas, layanan)
    if text is None:
        dispatcher.utter_message(
            text=f"Mohon maaf, data biaya SIM {kelas} belum tersedia. Silakan tanyakan "
            "langsung ke Satpas/Satlantas terdekat."
        )
    else:
        dispatcher.utter_message(text=text)
    return [SlotSet("jenis_sim", kelas), SlotSet("layanan_sim", layanan)] + subject_events("sim_biaya")


def answer_for_class(dispatcher, tracker: Tracker, kb, atribut: Optional[Text]) -> List[Dict[Text, Any]]:
    """"kalau SIM A?": the attribute answered last (fees when none) for the class named."""
    from actions.intents import table

    kelas = class_from_tracker(kb, tracker)
    if not atribut or atribut == "biaya" or kelas is None:
        return answer_fee(dispatcher, tracker, kb, kelas)
    intent = table().follow_up("sim", atribut, tracker.get_slot("layanan_sim"),
                               tracker.get_slot("intent_terakhir"))
    if intent is None:
        return answer_fee(dispatcher, tracker, kb, kelas)
    events = answer_topic(dispatcher, kb, intent, latest_text(tracker), atribut, kelas=kelas)
    return events + [SlotSet("jenis_sim", kelas)]


class ActionJawabSimBiaya(KnowledgeAction):
    """Answer the PNBP fee for one SIM class (asks for the class if it is still unknown)."""

    def name(self) -> Text:
        return "action_jawab_sim_biaya"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        if latest_intent(tracker) == "sim_biaya":  # "biayanya?" after SKCK: the SKCK fee
            from actions.lanjut_subjek import reinterpret, switch_instead

            # "kalau SIM gimana?" after "SKCK bisa online?": SIM online, not the SIM fee
            events = switch_instead(dispatcher, tracker, kb, latest_text(tracker))
            if events is None:
                events = reinterpret(dispatcher, tracker, kb, "sim_biaya", latest_text(tracker))
            if events is not None:
                return events
        if test_fee_asked(kb, latest_text(tracker)):  # "biaya tes psikologi berapa?": no class needed
            from actions.answers import answer_topic

            return answer_topic(dispatcher, kb, "sim_ujian", latest_text(tracker))
        return answer_fee(dispatcher, tracker, kb)


def test_fee_asked(kb, text: Text) -> bool:
    """The fee of the health or psychology test, which is the same for every class."""
    from knowledge import facts as kfacts

    found = kfacts.find_fact(kfacts.load_facts(), "sim_ujian", text, kb, only="sim.ujian.biaya_tes")
    return found is not None


class ActionAskJenisSim(KnowledgeAction):
    """Question of `sim_jenis_form`: which class? (quick-reply buttons)."""

    def name(self) -> Text:
        return "action_ask_jenis_sim"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        if latest_intent(tracker) == "sim_biaya":
            from actions.lanjut_subjek import foreign_target, switch_target

            text = latest_text(tracker)
            if (foreign_target(tracker, kb, "sim_biaya", text) or switch_target(tracker, text)
                    or test_fee_asked(kb, text)):
                # a fee follow-up about another subject (SKCK ...): close the form without
                # asking; action_jawab_sim_biaya then answers that subject's fee
                return [ActiveLoop(None)]
        ask_class(dispatcher, kb, service_from_tracker(tracker))
        return []


class ValidateSimJenisForm(FormValidationAction):
    """Fills `jenis_sim` from free text when NLU found no entity, and normalises the value."""

    def name(self) -> Text:
        return "validate_sim_jenis_form"

    async def extract_jenis_sim(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if entity(tracker, "jenis_sim"):
            return {}  # the from_entity slot mapping already has it
        kb = load_kb_or_none()
        kelas = kb.resolve_sim_class(latest_text(tracker)) if kb else None
        if kelas:
            return {"jenis_sim": kelas}
        if tracker.get_slot("requested_slot") == "jenis_sim" and latest_intent(tracker) in (
            "sim_biaya", "sim_pilih_jenis", "lanjut_biaya"):
            # still on topic ("berapa?" again, an unknown class): ask again instead of letting
            # the form reject; other intents reject so their own rule answers them.
            return {"jenis_sim": None}
        return {}

    def validate_jenis_sim(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if slot_value is None:
            return {"jenis_sim": None}  # nothing recognised: the form asks again
        kb = load_kb_or_none()
        if kb is None:
            dispatcher.utter_message(text=MAAF_GANGGUAN)
            return {"jenis_sim": None, "requested_slot": None}  # end the form, nothing to ask
        kelas = canonical_class(kb, slot_value)
        if kelas is None:
            dispatcher.utter_message(
                text=f"Mohon maaf, jenis SIM \"{slot_value}\" tidak saya kenali."
            )
        return {"jenis_sim": kelas}
