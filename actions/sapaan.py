"""Goodbye only on a clear goodbye.

- `action_sapaan_akhir` (intent sapaan_pamit): a clear goodbye ("dadah", "pamit dulu", "wis ya,
  pareng rumiyin", "sampai jumpa") gets the goodbye message, and so does anything else the NLU
  took for a goodbye outside a conversation, unless it asks something ("trus yang itu gimana ya":
  which topic is meant, with buttons). A message that continues the subject being discussed
  (a follow-up marker "kalau ...", a condition of the offence, a question mark) is answered as
  that follow-up ("kalau korbannya mati?") instead of ending the conversation.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from actions.common import KnowledgeAction, latest_text

GOODBYE_RE = re.compile(
    r"pamit|pareng|sampai\s+(jumpa|ketemu|nanti)|\bsampe\s+(jumpa|ketemu)|dada+h?\b|\bda+h\s*da+h|"
    r"\bbye+\b|bubye|good\s*bye|see\s+you|selamat\s+tinggal|"
    r"\b(dah|udah|sudah|sdh|wis|uwis|wes|sampun)\s+(dulu|dl|disik|dhisik|riyin|rumiyin|ya|yo|nggih|cukup|ah)\b|"
    r"\bcukup\s+(sekian|itu|segitu|dulu)|\bsekian\b|\bitu\s+(aja|saja)\b|\bpermisi\s+(dulu|ya)\b|"
    r"matur\s+(nuwun|suwun)|\bsuwun\b|makasi+h?|terima\s*kasih|trima\s*kasih|\bthanks?\b|\bth?x\b|\btq\b|"
    r"\boff\s+dulu\b|\btutup\s+(dulu|chat)\b|\bnuwun\s+sewu\s+rumiyin\b|\bassalamu.?alaikum\b.*(pamit|dulu)",
    re.IGNORECASE)


# A question word: a message with one is asking something, whatever the NLU took it for.
QUESTION_RE = re.compile(r"\b(gimana|gmn|bagaimana|piye|kepiye|pripun|berapa|brp|piro|pinten|apa|opo|menapa|"
                         r"kapan|kpn|di\s*mana|dmn|ngendi|pundi|kenapa|mengapa|knp)\b", re.IGNORECASE)


def clear_goodbye(text: Text) -> bool:
    return bool(GOODBYE_RE.search(text or ""))


class ActionSapaanAkhir(KnowledgeAction):
    def name(self) -> Text:
        return "action_sapaan_akhir"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        from actions import lanjut
        from knowledge import facts as kfacts

        text = latest_text(tracker)
        key = kfacts.detect_condition(kfacts.load_conditions(), text)
        continues = bool(lanjut.FOLLOW_UP_RE.search(text) or key or "?" in text)
        asks = continues or QUESTION_RE.search(text)
        if not clear_goodbye(text) and not tracker.get_slot("subjek") and asks:
            return lanjut.ask_topic(dispatcher, None)  # "trus yang itu gimana ya": a question, not a goodbye
        if clear_goodbye(text) or not tracker.get_slot("subjek") or not continues:
            dispatcher.utter_message(response="utter_sapaan_pamit")
            return []
        # not a goodbye: a follow-up about what is being discussed
        record = lanjut.subject_record(kb, tracker, text) if tracker.get_slot("pasal_id") else None
        if record is not None and key:
            return lanjut.condition_follow_up(dispatcher, kb, record, key)
        if record is not None:
            lead = ("Mohon maaf, keadaan yang Anda maksud belum saya pahami. Contohnya: \"kalau "
                    "korbannya meninggal?\" atau \"kalau dilakukan malam hari?\". Yang ada di data "
                    f"kami tentang {record['judul'].lower()}:")
            return lanjut.say_pasal(dispatcher, record, lead, tracker.get_slot("kuhp"))
        return lanjut.ask_topic(dispatcher, None)
