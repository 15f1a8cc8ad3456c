"""`action_lanjut` and `action_lanjut_cek`: answering follow-up questions.

`action_lanjut` answers every lanjut_* intent and a bare SIM class through
`answer_follow_up` (subject slots + the intent table, helpers in actions/lanjut.py).
`action_lanjut_cek` runs first when the NLU is unsure (nlu_fallback, data/rules/fallback.yml):
inside a conversation, a short message that is recognisably a follow-up (a condition of the
offence being discussed, another service named alone, an attribute word such as "biayane?",
"syarate?") is answered as that follow-up and the turn ends (FollowupAction action_listen);
anything else falls through to the clarification question (action_klarifikasi).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk.events import FollowupAction

from actions.answers import fact_lead
from actions.common import KnowledgeAction, latest_intent, latest_text
from actions.intents import table
from actions.lanjut import (
    ATRIBUT_LABEL,
    BEFORE_RE,
    PENALTY_RE,
    _buttons,
    answer_intent,
    ask_offence,
    ask_topic,
    condition_follow_up,
    current_record,
    default_kuhp,
    kuhp_follow_up,
    named_offence,
    other_offence,
    pasal_attribute,
    say_pasal,
)

# Attribute words of a short follow-up the NLU was unsure about -> the lanjut_* intent.
ATTRIBUTE_WORDS = (
    ("lanjut_kuhp_lama", r"sebelum\s+(tahun\s+)?(2026|kuhp|uu|berlaku|diganti)|sadurunge|sakderenge"),
    ("lanjut_kuhp_baru", r"kuhp\s+(baru|anyar|enggal|nasional|2023)|\bbaru\s*nya\b|"
                         r"\b(yang|yg|sing|ingkang|versi)\s+(baru|anyar|enggal)\b|^\W*(baru|anyar|enggal)\W*$"),
    ("lanjut_kuhp_lama", r"kuhp\s+(lama|lawas|lami)|\bdulu\w*\b|\bbiyen\b|rumiyin"),
    ("lanjut_biaya", r"biaya\w*|bayar\w*|byr|ongkos\w*|tarif\w*|harga\w*|regane|wragad\w*|"
                     r"denda\w*|dendo\w*"),
    ("lanjut_syarat", r"syarat\w*|berkas\w*|dokumen\w*|persyaratan\w*|gowo|nggowo|mbeta|bawa\s+apa"),
    ("lanjut_masa_berlaku", r"berlaku\w*|brlaku|blaku|expired|kadaluarsa|kedaluwarsa|masa\s+aktif|"
                            r"masa\s+laku\w*"),
    ("lanjut_online", r"online|onlen|daring|aplikasi\w*|\bapk\b"),
    ("lanjut_lokasi", r"di\s*mana|dmn|ngendi|\bendi\b|pundi|tempat\w*|kantor\w*|lokasi\w*|alamat\w*"),
    ("lanjut_usia", r"\bumur\w*|\busia\w*|yuswa\w*"),
    ("lanjut_durasi", r"berapa\s+lama|brp\s+lama|suwe\w*|dangu\w*|hukum\w*|penjara\w*|dipenjara|"
                      r"pidana\w*|ukuman\w*"),
)
MAX_UNSURE_WORDS = 8
# Intents an unclear message is never answered for with a fact; one of them in the top three at
# this confidence or more sends the message to the clarification question.
NOT_ANSWERED = ("blokir_", "lapor_", "sapaan_")
NOT_ANSWERED_MIN = 0.2
# A message that names a code ("kuhp baru", "yang lama", "anyar", "lawas") asks for that code.
CODE_WORDS_RE = re.compile(r"kuhp|\bbaru\b|\blama\b|anyar|lawas|lami|enggal", re.IGNORECASE)
# A bare acknowledgement inside a conversation (the NLU has no intent for it).
ACK_RE = re.compile(
    r"^\W*(oke+|ok+|okey|okay|sip+|siap|baik(lah)?|iya+|ya+|yo+|he+m+|oh+|oalah|owh|o+\s+gitu|"
    r"oh\s+(gitu|begitu|ngono|ngaten)|paham|mengerti|ngerti|nggih|inggih|injih|njih|enggih|mangertos|"
    r"noted|mantap|mantab|jelas|cukup|udah|sudah)"
    r"(\s+(pak|bu|min|mas|mbak|kak|gan|deh|dong|ya|yo|sip|siap|paham|jelas|nggih|mengerti))*\W*$",
    re.IGNORECASE)
ACK_REPLY = "Baik. Kalau ada lagi yang ingin ditanyakan, silakan tulis saja."


def offence_named_instead(dispatcher, tracker, kb, intent: Text, text: Text,
                          record) -> Optional[List[Dict[Text, Any]]]:
    """A lanjut_* message that names an offence other than the one discussed is a pasal
    question of its own: article and penalty first (or the rule for a condition it names)."""
    from actions.pasal_lead import condition_lead, lead

    if not intent.startswith("lanjut_") or intent == "lanjut_subjek":
        return None
    named = named_offence(kb, text)
    if named is None or (record is not None and named["id"] == record["id"]):
        return None
    if table().row(intent).get("kuhp") and CODE_WORDS_RE.search(text):
        return kuhp_follow_up(dispatcher, kb, named, table().row(intent)["kuhp"])
    cond = condition_lead(kb, named, text)
    if cond is not None:
        return say_pasal(dispatcher, cond[1], cond[0], default_kuhp(cond[1]))
    return say_pasal(dispatcher, named, lead(kb, named, text), default_kuhp(named))


def answer_follow_up(dispatcher, tracker, kb, intent: Text, text: Text) -> List[Dict[Text, Any]]:
    """A follow-up intent combined with the subject slots, answered like the direct question."""
    from actions import sim
    from knowledge import facts as kfacts

    row = table().row(intent)
    subjek = tracker.get_slot("subjek")
    record = current_record(kb, tracker) if tracker.get_slot("topik") == "pasal" else None

    if intent == "lanjut_subjek" and sim.class_in_message(kb, tracker):
        intent = "sim_pilih_jenis"  # "kalau SIM A?": a class, not a service
    if intent == "sim_pilih_jenis" and record is not None and not sim.class_in_message(kb, tracker):
        key = kfacts.detect_condition(kfacts.load_conditions(), text)
        if key is not None:  # "menawi ngantos pejah?" names no SIM class: a condition of the offence
            return condition_follow_up(dispatcher, kb, record, key)
    if intent == "sim_pilih_jenis":
        atribut = tracker.get_slot("atribut")
        if subjek != "sim" and not table().follow_up("sim", atribut or ""):
            atribut = None  # e.g. after a pasal: SIM fees
        return sim.answer_for_class(dispatcher, tracker, kb, atribut)

    events = offence_named_instead(dispatcher, tracker, kb, intent, text, record)
    if events is not None:  # "nipu orang hukumannya berapa tahun?": a pasal question of its own
        return events

    from actions.lanjut_subjek import switch_instead

    events = switch_instead(dispatcher, tracker, kb, text)  # "nek SKCK piye?"
    if events is not None:
        return events
    if row.get("ganti_subjek"):
        from actions.lanjut_subjek import subject_overview

        return subject_overview(dispatcher, tracker, kb, text)

    # a specific fact of the answer just given ("biayanya?" after a lost SIM, "kalau telat?"
    # after SKCK renewal, "kalau gagal?" after the SIM exam): that answer, led by the fact
    last = tracker.get_slot("intent_terakhir")
    if subjek and subjek != "pasal" and last and not sim.class_in_message(kb, tracker):
        if table().row(last).get("entry") and fact_lead(kb, last, text):
            return answer_intent(dispatcher, tracker, kb, last, text, row.get("atribut"))

    # the message names a SIM class: the attribute for that class
    if row.get("atribut") and (subjek in (None, "sim")) and sim.class_in_message(kb, tracker):
        return sim.answer_for_class(dispatcher, tracker, kb, row["atribut"])

    if row.get("kuhp"):
        if record is None:
            offence = other_offence(kb, text)
            if offence is None:
                return ask_offence(dispatcher)
            if not CODE_WORDS_RE.search(text):
                # "gratifikasi pasal berapa?": a direct question, not "and in the other code?"
                from actions.pasal_lead import lead as pasal_lead

                return say_pasal(dispatcher, offence, pasal_lead(kb, offence, text),
                                 default_kuhp(offence))
            record = offence
        return kuhp_follow_up(dispatcher, kb, record, "lama" if BEFORE_RE.search(text) else row["kuhp"])

    if row.get("kondisi"):
        key = kfacts.detect_condition(kfacts.load_conditions(), text)
        record = named_offence(kb, text) or record
        if record is not None and key:
            return condition_follow_up(dispatcher, kb, record, key)
        offence = other_offence(kb, text)
        if offence is not None:
            return say_pasal(dispatcher, offence, None, default_kuhp(offence))
        if record is not None:
            lead = (f"Mohon maaf, keadaan yang Anda maksud belum saya pahami. Contohnya: "
                    f"\"kalau korbannya meninggal?\" atau \"kalau dilakukan malam hari?\". "
                    f"Yang ada di data kami tentang {record['judul'].lower()}:")
            return say_pasal(dispatcher, record, lead, tracker.get_slot("kuhp"))
        dispatcher.utter_message(
            text="Maaf, perbuatan atau pasal apa yang Anda maksud? Sebutkan perbuatannya, "
            "misalnya \"hukuman penganiayaan\", lalu tanyakan keadaannya.",
            buttons=_buttons(["pasal_cari", "pasal_kuhp_baru", "layanan_tilang"]))
        return []

    atribut = row.get("atribut")
    if not subjek and atribut == "durasi" and PENALTY_RE.search(text):
        dispatcher.utter_message(
            text="Hukuman untuk perbuatan apa yang Anda maksud? Sebutkan perbuatannya, "
            "misalnya \"hukuman pencurian\" atau \"pasal penipuan online\".",
            buttons=_buttons(["pasal_cari", "pasal_kuhp_baru", "layanan_tilang"]))
        return []
    if not subjek:
        return ask_topic(dispatcher, atribut)
    if record is not None:
        key = kfacts.detect_condition(kfacts.load_conditions(), text)
        if key and kfacts.condition_link(kfacts.load_conditions(), record["id"], key):
            # "kalau lewat selebaran?" read as lanjut_online: a condition of the offence discussed
            return condition_follow_up(dispatcher, kb, record, key)
        events = pasal_attribute(dispatcher, kb, record, atribut)
        if events is not None:
            return events
        if atribut == "lokasi":
            return answer_intent(dispatcher, tracker, kb, "layanan_laporan_polisi", text)
        return ask_topic(dispatcher, atribut)
    if subjek == "sim" and atribut in sim.CLASS_ATTRIBUTES and tracker.get_slot("jenis_sim"):
        return sim.answer_for_class(dispatcher, tracker, kb, atribut)
    last = tracker.get_slot("intent_terakhir")
    layanan = (tracker.get_slot("layanan_sim") if subjek == "sim"
               else table().row(last or "").get("layanan"))
    target = table().follow_up(subjek, atribut, layanan, last)
    if target is None:
        what = table().judul(last) or subjek
        dispatcher.utter_message(
            text=f"Mohon maaf, data kami belum memuat {ATRIBUT_LABEL.get(atribut, atribut)} "
            f"untuk {what.lower()}. Informasi lain yang tersedia:",
            buttons=_buttons(table().for_subject(subjek)))
        return []
    return answer_intent(dispatcher, tracker, kb, target, text, atribut)


class ActionLanjut(KnowledgeAction):
    def name(self) -> Text:
        return "action_lanjut"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        return answer_follow_up(dispatcher, tracker, kb, latest_intent(tracker), latest_text(tracker))


def unsure_follow_up(tracker, kb, text: Text) -> Optional[Text]:
    """The follow-up intent an unclear message stands for inside a conversation, or None."""
    from actions.lanjut_subjek import bare_service, bare_subject
    from knowledge import facts as kfacts

    if not tracker.get_slot("subjek") or len(re.findall(r"\w+", text or "")) > MAX_UNSURE_WORDS:
        return None
    if tracker.get_slot("pasal_id") and kfacts.detect_condition(kfacts.load_conditions(), text):
        return "lanjut_kondisi"
    if tracker.get_slot("subjek") == "sim" and kb.resolve_sim_class(text):
        return "sim_pilih_jenis"  # "trus yg buat nyetir di luar negri?": the last attribute, that class
    if bare_subject(text):  # "kalau SKCK?"
        return "lanjut_subjek"
    if bare_service(text) and tracker.get_slot("subjek") in ("sim", "skck"):  # "kalau bikin baru?"
        return "lanjut_subjek"
    for intent, pattern in ATTRIBUTE_WORDS:
        if re.search(pattern, text or "", re.IGNORECASE):
            return intent
    return None


class ActionLanjutCek(KnowledgeAction):
    """Before the clarification question: an unclear message that is a follow-up is answered."""

    def name(self) -> Text:
        return "action_lanjut_cek"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        if ACK_RE.match(text):  # "oke", "siap pak", "oalah nggih": acknowledged, not unclear
            dispatcher.utter_message(text=ACK_REPLY)
            return [FollowupAction("action_listen")]
        intent = unsure_follow_up(tracker, kb, text)
        if intent is not None:
            events = answer_follow_up(dispatcher, tracker, kb, intent, text)
            return list(events or []) + [FollowupAction("action_listen")]
        last = tracker.get_slot("intent_terakhir") or ""
        if tracker.get_slot("subjek") and table().row(last).get("entry") and fact_lead(kb, last, text):
            # a specific fact of the answer just given ("klo gagal bisa ngulang?" after the SIM exam)
            events = answer_intent(dispatcher, tracker, kb, last, text)
            return list(events or []) + [FollowupAction("action_listen")]
        events = specific_question(dispatcher, tracker, domain, kb, text)
        if events is not None:
            return list(events) + [FollowupAction("action_listen")]
        ranking = [r.get("name") for r in (tracker.latest_message or {}).get("intent_ranking") or []
                   if r.get("name") != "nlu_fallback"]
        if ranking and ranking[0].startswith("lanjut_") and not tracker.get_slot("subjek"):
            # "pasal berapa?" with nothing discussed yet: ask which topic (buttons), never guess
            events = answer_follow_up(dispatcher, tracker, kb, ranking[0], text)
            return list(events or []) + [FollowupAction("action_listen")]
        return []  # the rule goes on to action_klarifikasi

    def _leave_sim_form(self, tracker) -> List[Dict[Text, Any]]:
        return []  # an unclear message does not end the SIM-class question


def taken_back(latest: Dict[Text, Any]) -> bool:
    """The classifier's refusal was taken back by nlu_components.follow_up_shape: the ranking
    then starts with nlu_fallback at 1.0, followed by the blokir_* intent."""
    if latest.get("follow_up_shape"):
        return True
    ranking = latest.get("intent_ranking") or []
    return (len(ranking) > 1 and ranking[0].get("name") == "nlu_fallback"
            and float(ranking[0].get("confidence") or 0) >= 1.0
            and str(ranking[1].get("name") or "").startswith("blokir_"))


def specific_question(dispatcher, tracker, domain, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """An unsure message whose most likely intent is confirmed by the message itself: a
    specific fact of that intent matches ("nomor wa propam berapa"), or it names an article or
    an offence for pasal_cari. Never for refusals: those stay with the clarification."""
    from actions.fokus import penalty_instead, topic_conflict, unclear_answer
    from actions.pasal import NOMOR_RE, ActionJawabPasal

    latest = tracker.latest_message or {}
    if taken_back(latest) and named_offence(kb, text):
        # a refused-looking short follow-up naming an offence ("kalau nerobos lampu merah?")
        return ActionJawabPasal().answer(dispatcher, tracker, domain, kb)
    ranking = latest.get("intent_ranking") or []
    top3 = [r for r in ranking if r.get("name") not in (None, "nlu_fallback")][:3]
    names = [r["name"] for r in top3]
    if names and names[0].startswith("blokir_") and not taken_back(latest):
        return None
    events = penalty_instead(dispatcher, kb, "", text)  # "sabuk pengaman dendanya brp", also
    if events is not None:                              # when a report looked likelier
        return events
    if names and names[0].startswith(NOT_ANSWERED) and not taken_back(latest):
        return None
    if names and names[0] == "layanan_darurat":  # emergency numbers are never a wrong guess
        return answer_intent(dispatcher, tracker, kb, names[0], text)
    for rank in top3:
        name = rank["name"]
        if name.startswith("blokir_") and taken_back(latest):
            continue  # the refusal was taken back: look at the next intents
        if name.startswith(NOT_ANSWERED):
            if float(rank.get("confidence") or 0) >= NOT_ANSWERED_MIN:
                return None  # a refusal, a report or a greeting is a real possibility: ask instead
            continue  # a faint one: look at the next intents
        if topic_conflict(name, text):
            continue  # "berapa lama SKCK berlaku" is not a question about the new KUHP's date
        if name == "pasal_cari" and (NOMOR_RE.search(text) or named_offence(kb, text)):
            return ActionJawabPasal().answer(dispatcher, tracker, domain, kb)
        row = table().row(name)
        if row.get("entry") and (fact_lead(kb, name, text) or class_attribute(kb, row, text)
                                 or (table().refinement(name, text) or {}).get("entry")):
            # a specific fact, a SIM class with the intent's attribute, or a keyword naming an entry
            return answer_intent(dispatcher, tracker, kb, name, text)
    return unclear_answer(dispatcher, tracker, kb, text)  # the sentence the message singles out


def class_attribute(kb, row: Dict[Text, Any], text: Text) -> bool:
    """A SIM class named with the fee or the age asked for ("yuswa pinten SIM A Umum")."""
    from actions.answers import AGE_RE, BIAYA_RE
    from actions.normal import variants

    if row.get("topik") != "sim" or not kb.resolve_sim_class(text):
        return False
    return any(BIAYA_RE.search(v) or (row.get("atribut") == "usia" and AGE_RE.search(v))
               for v in variants(text))
