"""Same attribute, another subject: "kalau SKCK?" after "biaya SIM C berapa?".

A short message that names only another subject (a follow-up marker such as "kalau", "nek",
"menawi", the subject's name, filler words, nothing else) asks the attribute answered last
(slot `atribut`) about that subject. Whatever intent the NLU gave such a message (skck_syarat,
sim_biaya, a lanjut_* intent ...), the answer is looked up in the intent table by
(new subject, last attribute) and given by the same code path as the direct question. A message
that also names an attribute of its own ("kalau SKCK biayanya?") is not a bare switch: its own
intent answers it.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

# Subject words -> subjek of actions/intents.yml. SIM classes are handled by sim_pilih_jenis.
SUBJECT_WORDS = [
    ("skck", r"\bskck\b|catatan\s+kepolisian|surat\s+kelakuan\s+baik|\bskkb\b"),
    ("sim", r"\bsim\b|surat\s+izin\s+mengemudi"),
    ("stnk", r"\bstnk\b|samsat|pajak\s+(kendaraan|motor|mobil)"),
    ("tilang", r"\btilang\b|\betle\b|tilang\s+elektronik"),
    ("kehilangan", r"surat\s+(keterangan\s+)?kehilangan|\bkehilangan\b"),
    ("izin_keramaian", r"izin\s+keramaian|ijin\s+keramaian|izin\s+acara|ijin\s+rame"),
    ("laporan_polisi", r"laporan\s+polisi|\blp\b|lapor\s+polisi"),
]
# Words that carry no attribute: follow-up markers, question words, particles, greetings.
FILLER = (
    r"kalau|kalo|klo|klu|kl|kalok|lha|lah|la|nek|yen|menawi|manawi|misal\w*|terus|trus|trs|lalu|"
    r"bagaimana|gimana|gmn|gmna|piye|pripun|kepripun|kumaha|jika|jikalau|apabila|"
    r"yang|yg|sing|ingkang|untuk|utk|buat|bwt|nggo|nggone|kanggo|kangge|soal|masalah|tentang|ttg|dengan|dgn|"
    r"punya|nya|e|ne|ipun|pun|juga|jg|uga|ugi|sama|sami|dong|donk|deh|sih|si|ya|yah|yo|ok|oke|"
    r"kak|pak|bu|mas|mbak|min|gan|bro|sis|lur|dik|nggih|njih|ya|to|tho|kok|ki|iki|niki|itu|iku|"
    r"punika|kuwi|niku|bikin|buat|membuat|gawe|damel|ngurus|urus|mengurus|ngurusi|"
    r"apa|opo|menapa|hal|halnya"
)
FILLER_RE = re.compile(rf"\b({FILLER})\b", re.IGNORECASE)
MAX_WORDS = 7


def bare_subject(text: Text) -> Optional[Text]:
    """The subjek a message names when it names nothing else ("kalau SKCK?" -> "skck")."""
    lowered = (text or "").lower()
    if len(re.findall(r"\w+", lowered)) > MAX_WORDS:
        return None
    found = None
    for subjek, pattern in SUBJECT_WORDS:
        if re.search(pattern, lowered):
            found = subjek
            lowered = re.sub(pattern, " ", lowered)
            break
    if found is None:
        return None
    rest = FILLER_RE.sub(" ", lowered)
    rest = re.sub(r"[^\w]+", " ", rest).strip()
    return found if not rest else None


def switch_target(tracker, text: Text) -> Optional[Text]:
    """The intent for the last attribute of the subject a bare follow-up names ("kalau SIM?" after
    "SKCK bisa online?": the SIM online intent); None if the message is not one."""
    from actions.intents import table

    atribut = tracker.get_slot("atribut")
    old = tracker.get_slot("subjek")
    new = bare_subject(text)
    if not atribut or not old or new is None or new == old:
        return None
    return table().follow_up(new, atribut)


# The other service of the same subject: "kalau perpanjang?" after "biaya SIM C baru".
SERVICE_WORDS = (
    ("perpanjang", r"\b(perpanjang\w*|diperpanjang|memperpanjang|ngepanjang\w*|perpanjangan)\b"),
    ("baru", r"\b(baru|anyar|enggal|pertama\s+kali|pertama)\b"),
)
WISH_RE = re.compile(r"\b(mau|mo|pengen|pingin|ingin|arep|badhe|ajeng|kalau\s+mau)\b", re.IGNORECASE)
# The word that brings the last attribute back into the message (knowledge/focus.py scores it).
ATRIBUT_WORD = {"biaya": "biaya", "syarat": "syarat", "masa_berlaku": "berlaku", "online": "online",
                "lokasi": "lokasi kantor", "durasi": "lama", "usia": "usia"}


def bare_service(text: Text) -> Optional[Text]:
    """'perpanjang' / 'baru' when a short message names only that service, else None."""
    lowered = (text or "").lower()
    if len(re.findall(r"\w+", lowered)) > MAX_WORDS:
        return None
    for layanan, pattern in SERVICE_WORDS:
        if re.search(pattern, lowered):
            rest = FILLER_RE.sub(" ", WISH_RE.sub(" ", re.sub(pattern, " ", lowered)))
            rest = re.sub(r"\b(nya|e|ne|ipun)\b", " ", re.sub(r"[^\w]+", " ", rest)).strip()
            return layanan if not rest else None
    return None


def service_switch(dispatcher, tracker, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """The last attribute for the other service of the SIM or SKCK being discussed."""
    from actions.intents import table
    from actions.lanjut import answer_intent
    from knowledge import focus

    subjek, layanan = tracker.get_slot("subjek"), bare_service(text)
    if subjek not in ("sim", "skck") or not tracker.get_slot("atribut") or layanan is None:
        return None
    # "syarat perpanjang SIM" was answered under the attribute "perpanjang": its `juga` (syarat)
    last = table().row(tracker.get_slot("intent_terakhir") or "")
    for atribut in [tracker.get_slot("atribut")] + list(last.get("juga") or []):
        target = table().follow_up(subjek, atribut, layanan)
        if target is not None and table().row(target).get("layanan") in (None, layanan):
            break
    else:
        return None
    word = ATRIBUT_WORD.get(atribut, atribut)
    own = next((n for n in table().for_subject(subjek) if table().row(n).get("layanan") == layanan), None)
    if (own and not table().row(target).get("layanan") and not table().row(target).get("aksi")
            and focus.best_unit(kb, [table().row(own)["entry"]], word, min_score=focus.IN_ENTRY_SCORE)):
        target = own  # one entry for both services (SKCK fee): the service's entry says it
    # the SIM fee action reads the service from the message itself; the entry's lead is chosen
    # by the attribute alone (the service word would single out sentences saying "baru")
    return answer_intent(dispatcher, tracker, kb, target, word, atribut)


def switch_instead(dispatcher, tracker, kb, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """Answer the last attribute for the subject a bare follow-up names, or for the other service
    of the subject ("kalau perpanjang?"); None if the message is neither."""
    from actions.lanjut import answer_intent

    events = service_switch(dispatcher, tracker, kb, text)
    if events is not None:
        return events
    target = switch_target(tracker, text)
    if target is None:
        return None
    return answer_intent(dispatcher, tracker, kb, target, text, tracker.get_slot("atribut"))


def subject_overview(dispatcher, tracker, kb, text: Text) -> List[Dict[Text, Any]]:
    """"kalau SKCK?" with no attribute to carry over: the service's main answer (its first intent
    in the table), or, when no service is recognised, the question which topic is meant."""
    from actions.intents import table
    from actions.lanjut import answer_intent, ask_topic

    subjek = bare_subject(text) or next(
        (s for s, pattern in SUBJECT_WORDS if re.search(pattern, text or "", re.IGNORECASE)), None)
    options = table().for_subject(subjek) if subjek else []
    if not options:
        return ask_topic(dispatcher, tracker.get_slot("atribut"))
    return answer_intent(dispatcher, tracker, kb, options[0], text)


# Any word that names a subject of its own: such a message is a new question, not a follow-up.
OWN_SUBJECT_RE = re.compile(
    r"\b(sim|skck|stnk|samsat|tilang|etle|bpjs|pasal|kuhp|uu|polres|polsek|satpas|spkt|propam|"
    r"darurat|ktp|paspor|izin|ijin|keramaian|kehilangan|laporan|lapor)\b", re.IGNORECASE)
MAX_FOLLOW_UP_WORDS = 6


FOLLOW_UP_ATTRIBUTES = ("biaya", "syarat", "masa_berlaku", "online", "lokasi", "durasi", "usia")


def foreign_target(tracker, kb, intent: Text, text: Text) -> Optional[Text]:
    """The intent that answers `intent`'s attribute for the subject being discussed, when the
    message is a short follow-up naming no subject of its own; else None."""
    from actions.intents import table

    subjek = tracker.get_slot("subjek")
    row = table().row(intent)
    atribut = row.get("atribut")
    if not subjek or atribut not in FOLLOW_UP_ATTRIBUTES or row.get("subjek") in (None, subjek):
        return None
    if subjek == "pasal" or OWN_SUBJECT_RE.search(text or "") or kb.resolve_sim_class(text or ""):
        return None
    if len(re.findall(r"\w+", text or "")) > MAX_FOLLOW_UP_WORDS:
        return None
    target = table().follow_up(subjek, atribut, None, tracker.get_slot("intent_terakhir"))
    return target if target != intent else None


def reinterpret(dispatcher, tracker, kb, intent: Text, text: Text) -> Optional[List[Dict[Text, Any]]]:
    """A short message that names no subject, classified as another subject's attribute
    ("biayanya?" after an SKCK answer, taken for sim_biaya): the same attribute of the subject
    being discussed. None when the message is a question of its own."""
    from actions.intents import table
    from actions.lanjut import answer_intent

    target = foreign_target(tracker, kb, intent, text)
    if target is None:
        return None
    return answer_intent(dispatcher, tracker, kb, target, text, table().row(intent).get("atribut"))
