"""`action_jawab_topik` and `action_darurat`: answer an informational intent with its
knowledge-base entry, through actions/answers.py (the code path follow-ups use too).
Fee, pasal and local-office questions have their own actions (sim.py, pasal.py, lokal.py).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from actions.answers import answer_topic
from actions.common import KnowledgeAction, latest_intent, latest_text
from actions.intents import table


class ActionJawabTopik(KnowledgeAction):
    def name(self) -> Text:
        return "action_jawab_topik"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        intent = latest_intent(tracker)
        text = latest_text(tracker)
        if intent == "pasal_kuhp_baru":
            from actions.lanjut import number_without_subject, pasal_follow_up_instead

            events = pasal_follow_up_instead(dispatcher, tracker, kb, text)
            if events is None:
                events = number_without_subject(dispatcher, tracker, kb, text)
            if events is not None:
                return events
            from actions.lanjut import named_offence

            if named_offence(kb, text) is not None:  # "batas nilai pencurian ringan di KUHP baru"
                from actions.pasal import ActionJawabPasal

                return ActionJawabPasal().answer(dispatcher, tracker, domain, kb)
        if intent == "layanan_tilang":  # "denda gak pakai helm berapa": the UU LLAJ article
            from actions.lanjut import named_offence, say_pasal
            from actions.pasal_lead import lead

            record = named_offence(kb, text)
            if record is not None and any(k["uu"] == "UU LLAJ" for k in record.get("kode") or []):
                return say_pasal(dispatcher, record, lead(kb, record, text), None)
        if table().row(intent).get("topik") == "sim":  # "denda nyetir tanpa SIM berapa?"
            from actions.fokus import penalty_instead

            events = penalty_instead(dispatcher, kb, intent, text)
            if events is not None:
                return events
        events = sim_class_instead(dispatcher, tracker, kb, text)  # "trus yg buat luar negeri?"
        if events is not None:
            return events
        from actions.lanjut_subjek import reinterpret, switch_instead

        events = switch_instead(dispatcher, tracker, kb, text)  # "kalau SKCK?": same attribute
        if events is None:  # "masa berlakunya?" after SKCK, taken for a SIM intent
            events = reinterpret(dispatcher, tracker, kb, intent, text)
        if events is not None:
            return events
        return answer_topic(dispatcher, kb, intent, text)


def sim_class_instead(dispatcher, tracker, kb, text: Text):
    """A short follow-up that names only another SIM class while SIM is discussed: the attribute
    answered last, for that class (the NLU may read it as a question about SIM classes)."""
    import re

    from actions import sim
    from actions.lanjut import FOLLOW_UP_RE, MAX_SHORT_WORDS
    from actions.lanjut_aksi import ATTRIBUTE_WORDS, answer_follow_up

    if tracker.get_slot("subjek") != "sim" or not tracker.get_slot("atribut"):
        return None
    if not FOLLOW_UP_RE.search(text) or len(re.findall(r"\w+", text)) > MAX_SHORT_WORDS:
        return None
    if not sim.class_in_message(kb, tracker) or any(re.search(p, text, re.I) for _, p in ATTRIBUTE_WORDS):
        return None
    return answer_follow_up(dispatcher, tracker, kb, "sim_pilih_jenis", text)


class ActionDarurat(KnowledgeAction):
    """Emergency numbers at once, also in the middle of a form (the form then asks again)."""

    def name(self) -> Text:
        return "action_darurat"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        from actions.urgensi import is_urgent, urgent_text

        if is_urgent(latest_text(tracker)):  # "tolong ada yang tenggelam": call first, then the list
            dispatcher.utter_message(text=urgent_text(kb))
            return []
        return answer_topic(dispatcher, kb, "layanan_darurat", latest_text(tracker))
