"""`action_jawab_pasal`: criminal-law article lookup (intent `pasal_cari`).

- By number ("pasal 362", "pasal 476 KUHP baru", "pasal 281 UU LLAJ"): `kb.find_pasal(nomor, uu)`.
  An old-KUHP number is answered with the new KUHP article now in force (format_pasal shows both).
- By description ("hukuman nyolong motor", "pasal penipuan online"): `kb.search_pasal(text)`.
- Nothing found: an honest "tidak ditemukan di data kami" plus what to do instead.
Every answer ends with the general-information disclaimer (bukan nasihat hukum).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from actions import pasal_lead
from actions.common import KnowledgeAction, entity, latest_text
from actions.fokus import record_focus
from actions.normal import variants

# "pasal 362", "psl 27A", "pasal 310 ayat 2", "pasal 44(1)"
NOMOR_RE = re.compile(
    r"\b(?:pasal|psl|ps\.?)\s*(?:nomor|nomer|no\.?|nmr)?\s*(\d{1,4}[a-z]?)(?:\s*(?:ayat\s*\(?(\d{1,2})\)?|\((\d{1,2})\)))?",
    re.IGNORECASE,
)
UU_RE = re.compile(
    r"kuhp\s*(?:baru|nasional|2023)|uu\s*1\s*/\s*2023|kuhp\s*(?:lama|belanda)|kuhp"
    r"|\bllaj\b|lalu\s*lintas|\bite\b|\bkdrt\b|narkotika|narkoba|tipikor|korupsi",
    re.IGNORECASE,
)
MAX_RELATED = 2


def nomor_from_tracker(tracker) -> Optional[Text]:
    match = NOMOR_RE.search(latest_text(tracker))
    value = entity(tracker, "pasal_nomor")
    if value and not re.search(r"\d", value):
        value = None  # a mis-extracted word ("nomor"): use the text
    if value and match and match.group(1).lower() == value.lower():
        value = None  # prefer the regex: it also keeps "ayat 2"
    if value:
        return value
    if not match:
        return None
    ayat = match.group(2) or match.group(3)
    return f"{match.group(1)}({ayat})" if ayat else match.group(1)


def uu_from_tracker(kb, tracker) -> Optional[Text]:
    value = entity(tracker, "uu")
    if value:
        return kb.normalize_uu(value) or value
    match = UU_RE.search(latest_text(tracker))
    if not match:
        return None
    word = match.group(0).lower()
    if word == "kuhp":
        return None  # plain "KUHP": search both codes
    return kb.normalize_uu(word)


def without_disclaimer(text: Text, disclaimer: Text) -> Text:
    return text.replace(disclaimer, "").strip()


def short_ref(record: Dict[Text, Any]) -> Text:
    kode = (record.get("kode") or [{}])[0]
    return f"{record.get('judul', '')} (Pasal {kode.get('nomor', '?')} {kode.get('uu', '')})".strip()


def old_number_note(kb, nomor: Text, record: Dict[Text, Any]) -> Optional[Text]:
    """'Pasal 362 KUHP lama sudah diganti ...' when the number asked is an old-KUHP one."""
    from knowledge import format as kf

    kode = record.get("kode") or []
    asked_old = any(k["uu"] == "KUHP lama" and k["nomor"] == nomor for k in kode)
    baru = [k["nomor"] for k in kode if k["uu"] == "KUHP baru"]
    if not (asked_old and baru):
        return None
    entry = kb.entry("pasal.kuhp_baru") or {}
    since = kf.format_tanggal(entry.get("berlaku_sejak")) or "2 Januari 2026"
    return (f"Pasal {nomor} adalah pasal KUHP lama. Sejak {since} yang berlaku adalah KUHP baru "
            f"(UU 1/2023); padanannya Pasal {baru[0]}.")


# Words that name no offence: "pasal berapa?", "hukumane piro?", "nek pasal e apa".
EMPTY_WORDS_RE = re.compile(
    r"\b(pasal\w*|psl|ps|nomor\w*|nomer\w*|no|berapa|brp|piro|pira|pinten|apa|opo|menapa|napa|"
    r"hukum\w*|ancam\w*|pidana\w*|paukuman\w*|dihukum|kena|kenanya|di|ing|ning|wonten|ten|"
    r"kuhp|undang\w*|uu|nya|ne|e|ipun|ya|sih|dong|kak|pak|min|gan|kalau|kalo|klo|nek|menawi|terus|trus|"
    r"lha|la|yang|yg|sing|itu|iku|niku|tahun|taun|thn|lama|suwe|suwene|dados|jadi|aja|saja)\b",
    re.IGNORECASE)


def content_words(text: Text) -> List[Text]:
    return re.findall(r"\w+", EMPTY_WORDS_RE.sub(" ", text or ""))


class ActionJawabPasal(KnowledgeAction):
    def name(self) -> Text:
        return "action_jawab_pasal"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        from actions import lanjut
        from actions.answers import answer_topic
        from actions.intents import table
        from knowledge import format as kf

        text = latest_text(tracker)
        # a condition of the offence being discussed ("kalau korbannya meninggal?")
        events = lanjut.condition_instead(dispatcher, tracker, kb, text)
        if events is not None:
            return events
        events = lanjut.pasal_follow_up_instead(dispatcher, tracker, kb, text)
        if events is not None and not NOMOR_RE.search(text):
            return events
        # a general law question (fine categories, delik aduan, KUHAP ...): its entry
        if any(table().refinement("pasal_cari", v) for v in variants(text)) and not NOMOR_RE.search(text):
            return answer_topic(dispatcher, kb, "pasal_cari", text) or []
        events = lanjut.unclear_condition_instead(dispatcher, tracker, kb, text)
        if events is not None:  # "kalau barangnya sudah dikembalikan?" about the current offence
            return events
        nomor = nomor_from_tracker(tracker)
        uu = uu_from_tracker(kb, tracker)
        if nomor:
            records = kb.find_pasal(nomor, uu=uu) if uu else kb.find_pasal(nomor)
            if not records and nomor.isdigit():  # "pasal 27 UU ITE": articles 27A, 27B ...
                records = [r for r in kb.pasal_records() for k in r.get("kode") or []
                           if re.fullmatch(rf"{nomor}[A-Za-z](\(\d+\))?", k["nomor"])
                           and (uu is None or k["uu"] == uu)]
                records = list({r["id"]: r for r in records}.values())
            elsewhere = kb.find_pasal(nomor) if uu and not records else []
            if elsewhere:  # e.g. "pasal 362 KUHP baru": 362 is an old-KUHP number
                other = sorted({k["uu"] for r in elsewhere for k in r.get("kode") or []
                                if k["nomor"].split("(")[0] == nomor.split("(")[0]})
                first = pasal_lead.lead(kb, elsewhere[0], text)
                parts = [f"Pasal {nomor} {uu} tidak ditemukan di data kami. Nomor itu ada di "
                         f"{', '.join(other)}. {first or ''}".strip()]
                parts += [without_disclaimer(kf.format_pasal(r), kf.DISCLAIMER) for r in elsewhere[:3]]
                parts.append(kf.DISCLAIMER)
                dispatcher.utter_message(text=kf.join_answers(parts))  # 110/112 line once
                return lanjut.pasal_events(elsewhere[0], lanjut.default_kuhp(elsewhere[0]))
            if not records:
                where = f" {uu}" if uu else ""
                text = (
                    f"Mohon maaf, Pasal {nomor}{where} tidak ditemukan di data kami. "
                    "Coba jelaskan perbuatannya dengan kata-kata Anda, misalnya \"hukuman pencurian "
                    "motor\" atau \"pasal penipuan online\", atau tanyakan langsung ke SPKT "
                    "Polres/Polsek terdekat."
                )
                dispatcher.utter_message(text=f"{text}\n\n{kf.DISCLAIMER}")
                return []
            parts = [without_disclaimer(kf.format_pasal(r), kf.DISCLAIMER) for r in records[:3]]
            best = records[0]
            note = old_number_note(kb, nomor, best)
            if note:
                parts.insert(0, note)
            first = pasal_lead.lead(kb, best, text + (" kuhp lama" if note else ""))
            if first:
                parts.insert(0, first)
            base = nomor.split("(")[0]
            asked = {k["uu"] for k in best.get("kode") or [] if k["nomor"].split("(")[0] == base}
            kuhp = "lama" if asked == {"KUHP lama"} else lanjut.default_kuhp(best)
        else:
            results = kb.search_pasal(latest_text(tracker), limit=1 + MAX_RELATED)
            if not results and not content_words(text):
                # "pasal berapa?" with no offence named and none discussed: ask, never guess
                dispatcher.utter_message(
                    text="Pasal untuk perbuatan apa yang Anda maksud? Sebutkan perbuatannya, misalnya "
                    "\"pencurian\" atau \"penipuan online\", atau nomor pasalnya (misalnya \"pasal 362\").",
                    buttons=lanjut.topic_buttons(["pasal_cari", "pasal_kuhp_baru", "layanan_tilang"]))
                return []
            if not results:  # "pidana kurungan masih ada?": a sentence of a general law entry
                from actions.fokus import unclear_answer

                events = unclear_answer(dispatcher, tracker, kb, text, topik="pasal")
                if events is not None:
                    return events
                text = (
                    "Mohon maaf, saya belum menemukan pasal yang cocok di data kami. Sebutkan nomor "
                    "pasalnya (misalnya \"pasal 362\") atau jelaskan perbuatannya dengan kata lain. "
                    "Anda juga bisa bertanya langsung ke SPKT Polres/Polsek terdekat."
                )
                dispatcher.utter_message(text=f"{text}\n\n{kf.DISCLAIMER}")
                return []
            best = results[0][0]
            named = lanjut.named_offence(kb, text)
            if named is not None and named["id"] != best["id"] and results[0][1] < 95:
                best = named  # the offence the message names word for word ("kdrt sampai ...")
            # a condition named in the question ("... sampai korbannya meninggal"): its rule leads
            cond = pasal_lead.condition_lead(kb, best, text)
            if cond is not None:
                first, best = cond
            else:
                first = pasal_lead.lead(kb, best, text)
                asked = record_focus(kb, best, text)  # "siapa yang bisa mengadu perzinaan?"
                if asked:
                    first = f"{asked} {first or ''}".strip()
            kuhp = lanjut.default_kuhp(best)
            parts = [first, without_disclaimer(kf.format_pasal(best), kf.DISCLAIMER)]
            related = [short_ref(r) for r, _ in results if r["id"] != best["id"]][:MAX_RELATED]
            if related:
                parts.append("Pasal lain yang mungkin terkait: " + "; ".join(related) + ".")
        parts.append(kf.DISCLAIMER)
        # the fact asked for leads, 110/112 right after it (a danger happening now: KnowledgeAction
        # puts the emergency numbers before the whole answer)
        dispatcher.utter_message(text=kf.join_answers(parts))
        return lanjut.pasal_events(best, kuhp)
