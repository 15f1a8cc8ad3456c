"""`action_lanjut`: follow-up questions that carry no subject of their own.

The subject of the conversation lives in slots set by every answering action:
`topik`, `subjek`, `atribut` (what was answered last), `intent_terakhir`, `jenis_sim` /
`layanan_sim` (SIM class and service) and `pasal_id` / `kuhp` (offence record and the code
shown last). A follow-up intent (lanjut_*, or a bare SIM class) is combined with those slots
through the intent table (actions/intents.yml: subjek + atribut -> intent) and answered by the
same code path as the direct question. Offence conditions ("kalau korbannya meninggal?") come
from knowledge/fakta/pasal_kondisi.yml. Without a subject the bot asks which topic is meant,
with buttons; it never guesses.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk.events import SlotSet

from actions.intents import table

ATRIBUT_LABEL = {
    "biaya": "biaya", "syarat": "syarat", "masa_berlaku": "masa berlaku", "online": "layanan online",
    "lokasi": "tempat layanan", "durasi": "lama prosesnya", "usia": "batas usia",
}
# A message that continues the current subject ("kalau ...", "terus ...", Javanese "nek ...").
FOLLOW_UP_RE = re.compile(
    r"^\s*(kalau|kalo|klo|klu|kl|kalok|terus|trus|trs|lalu|lha|lah|la|nek|yen|menawi|misal\w*|"
    r"bagaimana\s+kalau|gimana\s+kalo|gmn\s+klo|piye\s+nek|bagaimana\s+jika|jika|jika\s+|"
    r"bagaimana\s+dengan|gimana\s+dengan|gmn\s+dgn|kalau\s+soal|lha\s+nek|pripun\s+menawi)\b",
    re.IGNORECASE)
PASAL_NO_RE = re.compile(r"\b(pasal|psl|ps)\s*\d", re.IGNORECASE)
BARU_RE = re.compile(r"\bbaru\b|nasional|2023|anyar", re.IGNORECASE)
LAMA_RE = re.compile(r"\blama\b|\blawas\b|belanda|wvs|1946|\blawas\b", re.IGNORECASE)
MAX_BUTTONS = 6
PENALTY_RE = re.compile(r"hukum|penjara|pidana|ancam|kunjara|bui|dibui|tahanan", re.IGNORECASE)


# Added when the options of a "which one?" question would all lead into one topic: the user may
# mean another service altogether, so the buttons always span at least two topics.
OTHER_TOPICS = ["sim_syarat_baru", "skck_syarat", "layanan_tilang", "layanan_laporan_polisi", "pasal_cari"]


def _buttons(intents: List[Text]) -> List[Dict[Text, Text]]:
    t = table()
    intents = [i for i in intents if t.judul(i)][:MAX_BUTTONS]
    topics = {t.row(i).get("topik") for i in intents}
    for extra in OTHER_TOPICS:
        if len(topics) >= 2 or len(intents) >= MAX_BUTTONS:
            break
        if extra not in intents and t.row(extra).get("topik") not in topics:
            intents.append(extra)
            topics.add(t.row(extra).get("topik"))
    return [{"title": t.judul(i), "payload": f"/{i}"} for i in intents]


def topic_buttons(intents: List[Text]) -> List[Dict[Text, Text]]:
    """Buttons for a "which topic?" question (at least two topics)."""
    return _buttons(intents)


def ask_topic(dispatcher, atribut: Optional[Text]) -> List[Dict[Text, Any]]:
    """No subject yet: ask which topic is meant (buttons), never guess."""
    options = table().with_attribute(atribut) if atribut else []
    label = ATRIBUT_LABEL.get(atribut or "", "")
    if not options:
        options = ["sim_syarat_baru", "skck_syarat", "pasal_cari", "layanan_laporan_polisi"]
    what = f"{label} untuk layanan apa" if label else "tentang layanan apa"
    dispatcher.utter_message(
        text=f"Maaf, yang Anda tanyakan {what}? Silakan pilih di bawah ini, atau tulis "
        "pertanyaannya lengkap, misalnya \"biaya SKCK\" atau \"syarat SIM C\".",
        buttons=_buttons(options))
    return []


# ---------------------------------------------------------------- pasal
def pasal_events(record: Dict[Text, Any], kuhp: Optional[Text]) -> List[Dict[Text, Any]]:
    return [SlotSet("topik", "pasal"), SlotSet("subjek", "pasal"), SlotSet("atribut", "ancaman"),
            SlotSet("intent_terakhir", "pasal_cari"), SlotSet("pasal_id", record["id"]),
            SlotSet("kuhp", kuhp)]


def default_kuhp(record: Dict[Text, Any]) -> Optional[Text]:
    codes = [k["uu"] for k in record.get("kode") or []]
    if "KUHP baru" in codes:
        return "baru"
    if "KUHP lama" in codes:
        return "lama"
    return None


def record_text(record: Dict[Text, Any]) -> Text:
    from knowledge import format as kf

    return kf.format_pasal(record)


def say_pasal(dispatcher, record, lead: Optional[Text], kuhp: Optional[Text]) -> List[Dict[Text, Any]]:
    from knowledge import format as kf

    dispatcher.utter_message(text=kf.join_answers([lead or "", record_text(record)]))  # lead, then 110/112
    return pasal_events(record, kuhp)


def current_record(kb, tracker) -> Optional[Dict[Text, Any]]:
    rid = tracker.get_slot("pasal_id")
    return kb.entry(rid) if rid else None


def kuhp_follow_up(dispatcher, kb, record, target: Text) -> List[Dict[Text, Any]]:
    from knowledge import format as kf

    uu = "KUHP baru" if target == "baru" else "KUHP lama"
    codes = [k for k in record.get("kode") or [] if k["uu"] == uu]
    if codes:
        where = ", ".join(f"Pasal {kf.format_nomor(k['nomor'])}" for k in codes)
        lead = f"Di {uu}, {record['judul'].lower()} diatur di {where}: {codes[0]['ancaman']}"
        if target == "lama":
            lead += (" KUHP lama tidak berlaku lagi sejak 2 Januari 2026; untuk perbuatan sebelum "
                     "tanggal itu dipakai aturan yang paling meringankan pelaku.")
    else:
        from actions.pasal_lead import lead as pasal_lead

        lead = f"Data kami tidak memuat padanan {record['judul'].lower()} di {uu}."
        now = pasal_lead(kb, record, "")
        if now:
            lead = f"{now} {lead}"
    return say_pasal(dispatcher, record, lead, target if codes else default_kuhp(record))


def condition_follow_up(dispatcher, kb, record, key: Text) -> List[Dict[Text, Any]]:
    from knowledge import facts as kfacts

    conditions = kfacts.load_conditions()
    label = conditions["kondisi"][key]["label"]
    link = kfacts.condition_link(conditions, record["id"], key)
    if link is None:
        lead = (f"Mohon maaf, data kami belum memuat ketentuan khusus untuk "
                f"{record['judul'].lower()} bila {label}. Silakan tanyakan ke SPKT Polres/Polsek "
                "terdekat atau penasihat hukum. Yang ada di data kami:")
        return say_pasal(dispatcher, record, lead, default_kuhp(record))
    from actions.pasal_lead import linked_lead

    target = (kb.entry(link["pasal"]) if link.get("pasal") else None) or record
    return say_pasal(dispatcher, target, linked_lead(kb, link, target, ""), default_kuhp(target))


def pasal_attribute(dispatcher, kb, record, atribut: Text) -> Optional[List[Dict[Text, Any]]]:
    from knowledge import format as kf

    codes = record.get("kode") or []
    first = next((k for k in codes if k["uu"] == "KUHP baru"), codes[0] if codes else None)
    if atribut == "biaya":
        if first and first.get("kategori_denda"):
            maks = kb.denda_maks(first["kategori_denda"])
            lead = (f"Denda untuk {record['judul'].lower()} di {first['uu']} paling banyak kategori "
                    f"{first['kategori_denda']} ({kf.format_rupiah(maks)}).")
        elif first and "denda" in first["ancaman"]:
            lead = f"Ancaman {record['judul'].lower()} menurut {first['uu']}: {first['ancaman']}"
        else:
            lead = f"Data kami tidak mencantumkan ancaman denda untuk {record['judul'].lower()}."
        return say_pasal(dispatcher, record, lead, default_kuhp(record))
    if atribut == "durasi" and first:
        lead = f"Ancaman {record['judul'].lower()} menurut {first['uu']}: {first['ancaman']}"
        return say_pasal(dispatcher, record, lead, default_kuhp(record))
    return None


def other_offence(kb, text: Text) -> Optional[Dict[Text, Any]]:
    """"kalau pencurian?": the record a follow-up names, if any."""
    named = named_offence(kb, text)
    if named is not None:
        return named
    results = kb.search_pasal(text, limit=1)
    return results[0][0] if results else None


def named_offence(kb, text: Text) -> Optional[Dict[Text, Any]]:
    """The record whose title or keyword appears word for word in `text` (longest wins)."""
    lowered = " " + re.sub(r"[^\w\s-]", " ", (text or "").lower()) + " "
    best, best_len = None, 0
    for rec in kb.pasal_records():
        for kw in [rec["judul"]] + list(rec.get("kata_kunci") or []):
            kw = kw.lower().strip()
            if len(kw) > best_len and f" {kw} " in lowered:
                best, best_len = rec, len(kw)
    return best


def subject_record(kb, tracker, text: Text) -> Optional[Dict[Text, Any]]:
    """The offence a follow-up is about: the one it names, else the one being discussed."""
    return named_offence(kb, text) or current_record(kb, tracker)


def pasal_follow_up_instead(dispatcher, tracker, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """A pasal_kuhp_baru message that is really "and in the new/old code?" about the current
    offence ("kalau di KUHP baru pasal berapa?"): answer it as lanjut_kuhp_*; else None."""
    record = current_record(kb, tracker)
    if record is None or PASAL_NO_RE.search(text):
        return None
    named = named_offence(kb, text)
    if named is not None and named["id"] != record["id"]:
        return None  # another offence: a new question
    asks_code = re.search(r"kuhp|\bbaru\b|\blama\b|anyar|lawas|nasional|sebelum", text, re.I)
    short = len(re.findall(r"\w+", text)) <= MAX_SHORT_WORDS
    asks_number = ASKS_NUMBER_RE.search(text) and named is None and not LAW_NUMBER_RE.search(text)
    if not (((FOLLOW_UP_RE.search(text) or short) and asks_code) or asks_number):
        return None
    return kuhp_follow_up(dispatcher, kb, record, code_asked(text))


# "pasal berapa?", "nomornya jadi berapa?", Javanese "nomer piro", "pasale pinten"
ASKS_NUMBER_RE = re.compile(
    r"pasal\s*(berapa|brp|piro|pinten|nya|e|ipun)\b|pasale\b|(nomor|nomer|no)\s*(nya|e|ipun)?\s*"
    r"(jadi\s+|dadi\s+|dados\s+)?(berapa|brp|piro|pinten|apa|opo)\b|jadi\s+(pasal|nomor)|dadi\s+(pasal|nomer|nomor)|"
    r"\b(nomor|nomer|pasal)(nya|e|ipun)\b[\w\s]{0,30}?\b(jadi|dadi|dados)\s+(berapa|brp|piro|pinten)\b",
    re.IGNORECASE)
# "sebelum 2026", "sebelum KUHP nasional berlaku": the old code, whatever else the message names
BEFORE_RE = re.compile(r"sebelum\s+(tahun\s+)?(2026|kuhp|uu|berlaku|diganti|ada|\w+\s+berlaku)|"
                       r"sadurunge|sakderenge|saderengipun", re.IGNORECASE)
MAX_SHORT_WORDS = 8


def code_asked(text: Text) -> Text:
    """"baru" or "lama": which code a follow-up asks for (the new one unless it says old/before)."""
    if BEFORE_RE.search(text) or (LAMA_RE.search(text) and not BARU_RE.search(text)):
        return "lama"
    return "baru"


def ask_offence(dispatcher) -> List[Dict[Text, Any]]:
    """"nomornya di KUHP baru berapa?" with no offence discussed: ask which one, never guess."""
    dispatcher.utter_message(
        text="Pasal atau perbuatan apa yang Anda maksud? Sebutkan nomor pasalnya "
        "(misalnya \"pasal 362\") atau perbuatannya (misalnya \"pencurian\").",
        buttons=_buttons(["pasal_cari", "pasal_kuhp_baru", "layanan_tilang"]))
    return []


# "KUHP baru itu UU nomor berapa?": the number of the law itself, not of an article
LAW_NUMBER_RE = re.compile(r"\b(uu|undang[\s-]*undang|perpol|perkap)\s*(no\.?|nomor|nomer)?\s*"
                           r"(nya|e|ipun)?\s*(berapa|brp|piro|pinten|apa|opo)\b", re.IGNORECASE)


def number_without_subject(dispatcher, tracker, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """A pasal_kuhp_baru message asking for an article number with nothing discussed and no
    offence named ("nomornya di KUHP nasional jadi berapa?"): ask which offence."""
    if current_record(kb, tracker) is not None or PASAL_NO_RE.search(text) or LAW_NUMBER_RE.search(text):
        return None
    if not ASKS_NUMBER_RE.search(text) or named_offence(kb, text) is not None:
        return None
    if kb.search_pasal(text, limit=1):
        return None
    return ask_offence(dispatcher)


def condition_instead(dispatcher, tracker, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """A follow-up naming only a condition of the current offence (used by action_jawab_pasal)."""
    from knowledge import facts as kfacts

    if current_record(kb, tracker) is None or PASAL_NO_RE.search(text) or not FOLLOW_UP_RE.search(text):
        return None
    record = subject_record(kb, tracker, text)
    key = kfacts.detect_condition(kfacts.load_conditions(), text)
    if key is None:
        return None
    return condition_follow_up(dispatcher, kb, record, key)


def unclear_condition_instead(dispatcher, tracker, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """"kalau ...?" about the offence being discussed that names no other offence and no
    condition we know: say so and show that offence again, instead of a fuzzy guess at
    another record."""
    record = current_record(kb, tracker)
    if record is None or PASAL_NO_RE.search(text) or not FOLLOW_UP_RE.search(text):
        return None
    if named_offence(kb, text) is not None:
        return None
    found = kb.search_pasal(text, limit=1)
    if found and found[0][0]["id"] != record["id"] and found[0][1] >= 85:
        return None  # clearly another offence
    lead = (f"Mohon maaf, keadaan yang Anda maksud belum ada di data kami untuk "
            f"{record['judul'].lower()}. Contoh yang bisa saya jawab: \"kalau korbannya meninggal?\" "
            "atau \"kalau dilakukan malam hari?\". Yang ada di data kami:")
    return say_pasal(dispatcher, record, lead, tracker.get_slot("kuhp"))


# ---------------------------------------------------------------- dispatch
def answer_intent(dispatcher, tracker, kb, intent: Text, text: Text,
                  atribut: Optional[Text] = None) -> List[Dict[Text, Any]]:
    """Answer `intent` exactly as a direct question would be answered."""
    from actions import answers, lokal, sim

    aksi = table().row(intent).get("aksi")
    if aksi == "action_jawab_sim_biaya":
        return sim.answer_fee(dispatcher, tracker, kb)
    if aksi == "action_info_lokal":
        return lokal.answer_local(dispatcher, kb, intent, text, atribut)
    if aksi == "action_kontak_polres":
        return lokal.answer_contact(dispatcher, kb)
    return answers.answer_topic(dispatcher, kb, intent, text, atribut)


REPORT_WORDS_RE = re.compile(r"lapor\w*|melapor\w*|ngelapor\w*|aduan|ngadu|kejadian|kedadosan|report",
                             re.IGNORECASE)


def offence_follow_up_instead(dispatcher, tracker, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """"bagaimana dengan penggelapan?" while an offence is being discussed, taken by the NLU for a
    wish to report: it asks the same about that offence (article and penalty first)."""
    from actions.pasal_lead import lead

    if current_record(kb, tracker) is None or not FOLLOW_UP_RE.search(text) or REPORT_WORDS_RE.search(text):
        return None
    if len(re.findall(r"\w+", text)) > MAX_SHORT_WORDS:
        return None
    named = named_offence(kb, text)
    if named is None:
        return None
    return say_pasal(dispatcher, named, lead(kb, named, text), default_kuhp(named))
