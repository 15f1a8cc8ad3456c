"""Questions that name their fact although the NLU placed them badly (issue 9: every fact held
can be asked for, and the answer leads with it).

- `topic_conflict(intent, text)`: the message names a subject of another topic than the
  intent's ("berapa lama SKCK berlaku" taken for a question about the new KUHP's date).
- `penalty_instead(dispatcher, kb, intent, text)`: a fine or penalty question that names a known
  offence ("denda ga pake sabuk pengaman brp") is answered with the offence's article and
  penalty, also when the NLU took it for a SIM question.
- `unclear_answer(dispatcher, tracker, kb, text)`: a message the NLU could not place, answered
  from the one sentence of the knowledge base it singles out (knowledge/focus.py), or None so
  that the clarification question follows. Nothing is guessed: the sentence must match rare
  words of the message, and two different sentences that match equally well mean "unclear".
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from actions.intents import table

# A fine or penalty asked for ("dendanya brp", "kena pasal apa", "hukumannya apa").
DENDA_RE = re.compile(
    r"\b(denda\w*|dendo\w*|sanksi\w*|hukuman\w*|dihukum|penjara|dipenjara|dipidana|"
    r"ancaman\s+pidana\w*|kena\s+pasal|kenek\s+pasal|pasal\s+(apa|opo|berapa|brp|piro|pinten)|"
    r"(kena|kenak|kenek|dijerat)\s+(apa|opo|menapa))\b",
    re.IGNORECASE)
# Subject words of each topic (a message naming one of them is about that topic).
TOPIC_WORDS = {
    "skck": re.compile(r"\bskck\b|catatan\s+kepolisian|kelakuan\s+baik|\bskkb\b", re.IGNORECASE),
    "sim": re.compile(r"\bsim\b|surat\s+izin\s+mengemudi", re.IGNORECASE),
    "pasal": re.compile(r"\bpasal\b|\bkuhp\b|\bkuhap\b|\bpidana\b", re.IGNORECASE),
}


def named_topics(text: Text) -> List[Text]:
    return [topik for topik, pattern in TOPIC_WORDS.items() if pattern.search(text or "")]


def topic_conflict(intent: Text, text: Text) -> bool:
    """The message names topics, and not the intent's own (SKCK named, intent about the KUHP)."""
    topik = table().row(intent).get("topik")
    named = named_topics(text)
    return bool(named) and topik in TOPIC_WORDS and topik not in named


def penalty_instead(dispatcher, kb, intent: Text, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """The article and penalty of the offence a fine/penalty question names, or None."""
    from actions.lanjut import say_pasal
    from actions.pasal_lead import condition_lead, lead

    if not DENDA_RE.search(text or ""):
        return None
    topik = table().row(intent).get("topik")
    if intent and topik not in ("sim", "pasal") and intent != "layanan_tilang":
        return None
    found = kb.search_pasal(text, limit=1)
    if not found:
        return None
    record = found[0][0]
    if topik == "sim" and not any(k["uu"] == "UU LLAJ" for k in record.get("kode") or []):
        return None  # a SIM question names a traffic offence or nothing
    cond = condition_lead(kb, record, text)  # "... sampai korbannya meninggal": that rule leads
    if cond is not None:
        first, record = cond
        return say_pasal(dispatcher, record, first, None)
    return say_pasal(dispatcher, record, lead(kb, record, text), None)


REPORT_OFFER = "Bila Anda ingin melaporkan kejadian seperti ini, tulis \"saya mau lapor\"."


def penalty_question(dispatcher, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """A message the NLU took for a report that only asks for a penalty ("ngrusak motor orang
    kena apa"): the article, then how to report. Never for a danger happening now or a message
    that says it wants to report."""
    from actions.lanjut import REPORT_WORDS_RE
    from actions.urgensi import is_urgent

    if is_urgent(text) or REPORT_WORDS_RE.search(text or ""):
        return None
    events = penalty_instead(dispatcher, kb, "", text)
    if events is not None:
        dispatcher.utter_message(text=REPORT_OFFER)
    return events


def unclear_answer(dispatcher, tracker, kb, text: Text,
                   topik: Optional[Text] = None) -> Optional[List[Dict[Text, Any]]]:
    """The knowledge-base sentence (of one topic) an unclear message singles out, as a full
    answer; or None."""
    from actions.answers import answer_topic
    from actions.lanjut import say_pasal
    from actions.normal import variants
    from actions.pasal_lead import lead
    from knowledge import focus

    named = named_topics(text)
    for variant in variants(text):
        hit = focus.search(kb, variant, topik)
        if hit is None:
            continue
        topik = hit.entry_id.split(".", 1)[0]
        if named and topik in TOPIC_WORDS and topik not in named:
            continue  # "SKCK" named, a sentence about SIM found: not the fact asked for
        record = kb.entry(hit.entry_id)
        if record is not None and record.get("jenis") == "pasal":  # an offence record: its article
            return say_pasal(dispatcher, record, lead(kb, record, variant), None)
        intent = table().intent_for_entry(hit.entry_id)
        if intent is None:
            continue
        return answer_topic(dispatcher, kb, intent, text, entry_id=hit.entry_id,
                            lead_text=None if hit.first else hit.sentence)
    return None


# A question about the penalty or the article itself: the usual pasal lead answers it.
PENALTY_ASK_RE = re.compile(r"pasal|hukum\w*|ukuman\w*|ancam\w*|pidana\w*|penjara|denda\w*|dendo\w*|"
                            r"sanksi\w*|dijerat|\bbui\b|kena\s+apa|kenek\s+apa", re.IGNORECASE)
# Words that name a code, not what is asked about an offence.
CODE_WORDS_RE = re.compile(r"\b(kuhp|kuhap|uu|undang[\s-]*undang|baru|lama|nasional)\b", re.IGNORECASE)


def record_focus(kb, record: Dict[Text, Any], text: Text) -> Optional[Text]:
    """A sentence of an offence's summary or notes that a question other than "which article,
    what penalty" asks for ("batas nilai pencurian ringan?", "siapa yang bisa mengadu?")."""
    from actions.normal import variants
    from knowledge import focus

    if PENALTY_ASK_RE.search(text or ""):
        return None
    for variant in variants(text):
        hit = focus.best_unit(kb, [record["id"]], CODE_WORDS_RE.sub(" ", variant),
                              min_score=focus.IN_ENTRY_SCORE)
        if hit is not None:
            return hit.sentence
    return None
