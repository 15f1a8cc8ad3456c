"""The one code path for entry-backed answers: direct questions (action_jawab_topik) and
follow-ups (actions/lanjut.py) both end here.

The intent -> entry mapping, keyword refinements and titles live in actions/intents.yml (read
through actions/intents.py). A specific fact asked for (knowledge/fakta/fakta.yml: "berapa lama
surat sehat berlaku?") leads the answer and the entry follows as context. Every answer records
the subject of the conversation in slots (`subject_events`) so that a follow-up ("biayanya?")
resolves against it. This module imports no other action module: sim.py, lokal.py, topik.py and
lanjut.py build on it.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk.events import SlotSet

from actions.common import entry_text
from actions.intents import table
from actions.normal import variants

# Quick replies under the help menu (payloads skip NLU).
MENU_BUTTONS = [
    {"title": "Biaya SIM", "payload": "/sim_biaya"},
    {"title": "Syarat SIM baru", "payload": "/sim_syarat_baru"},
    {"title": "Syarat SKCK", "payload": "/skck_syarat"},
    {"title": "Nomor darurat", "payload": "/layanan_darurat"},
    {"title": "Cara membuat laporan", "payload": "/layanan_laporan_polisi"},
    {"title": "KUHP baru", "payload": "/pasal_kuhp_baru"},
]

# "How do I ...": an entry's steps answer it as a whole.
HOW_RE = re.compile(r"\b(cara\w*|gimana|gmn|bagaimana|piye|kepiye|pripun|langkah\w*|prosedur\w*|alur\w*)\b",
                    re.IGNORECASE)

# Entries about the law get the general-information disclaimer.
LEGAL_PREFIX = "pasal."

# The message asks for a fee although its intent is another SIM intent.
BIAYA_RE = re.compile(r"\b(biaya\w*|bayar\w*|byr|tarif\w*|ongkos\w*|harga\w*|regane|pnbp|duit|"
                      r"kena\s+(berapa|brp|piro|pinten))\b", re.IGNORECASE)

MISSING = ("Mohon maaf, informasi tentang hal itu belum tersedia di data kami. "
           "Silakan tanyakan langsung ke kantor polisi terdekat. "
           "Nomor 110 hanya untuk keadaan darurat.")


def entry_id_for(intent: Text, text: Text) -> Text | None:
    for variant in variants(text):  # as written, then slang/Javanese in standard words
        ref = table().refinement(intent, variant)
        if ref and ref.get("entry"):
            return ref["entry"]
    return table().row(intent).get("entry")


def subject_events(intent: Text, atribut: Optional[Text] = None) -> List[Dict[Text, Any]]:
    """Slots that record what the conversation is about after answering `intent`."""
    row = table().row(intent)
    if not row.get("subjek"):
        return []
    events = [SlotSet("topik", row.get("topik")), SlotSet("subjek", row["subjek"]),
              SlotSet("atribut", atribut or row.get("atribut")), SlotSet("intent_terakhir", intent)]
    if row.get("subjek") != "pasal":
        events += [SlotSet("pasal_id", None), SlotSet("kuhp", None)]
    if row.get("topik") == "sim" and row.get("layanan"):
        events.append(SlotSet("layanan_sim", row["layanan"]))
    return events


def fact_lead(kb, intent: Text, text: Text) -> Optional[tuple]:
    """(fact, sentence) when the message asks for a specific fact of this intent."""
    from knowledge import facts as kfacts

    all_facts = kfacts.load_facts()
    for variant in variants(text):  # as written, then slang/Javanese in standard words
        ref = table().refinement(intent, variant)
        if ref and ref.get("fakta"):
            found = kfacts.find_fact(all_facts, intent, variant, kb, only=ref["fakta"])
            if found:
                return found
        found = kfacts.find_fact(all_facts, intent, variant, kb)
        if found and ref and ref.get("entry") and found[0]["entry"] != ref["entry"]:
            continue  # the message names another entry ("bpjs"): a fact of this one does not lead
        if found:
            return found
    return None


def focus_lead(kb, intent: Text, entry_id: Text, text: Text) -> tuple:
    """(entry, sentence) for the sentence the message singles out (knowledge/focus.py):
    "bayar SKCK online lewat apa" -> "Bayar PNBP lewat BRIVA.". The entry may be another one the
    intent's keyword refinements lead to ("masa percobaan pidana mati" under the new KUHP);
    the sentence is None when nothing is singled out or it leads the entry anyway."""
    from knowledge import focus

    entry = kb.entry(entry_id) or {}
    if entry.get("langkah") and HOW_RE.search(text or ""):
        return entry_id, None  # "cara bayar tilang ETLE": the steps answer, none of them alone
    family = [r["entry"] for r in table().row(intent).get("refine") or []
              if r.get("entry") and r["entry"] != entry_id]
    if any(table().refinement(intent, v) for v in variants(text)):
        family = []  # the message names its entry by a keyword ("KUHAP"): it stays
    for variant in variants(text):
        hit = focus.best_unit(kb, [entry_id], variant, min_score=focus.IN_ENTRY_SCORE)
        other = (focus.best_unit(kb, family, variant, drop_title=False, ignore=[entry_id])
                 if family else None)
        if other is not None and (hit is None or other.score > hit.score + 2):
            hit = other
        if hit is not None:
            return hit.entry_id, None if hit.first else hit.sentence
    return entry_id, None


def compose(kb, intent: Text, text: Text, kelas: Optional[Text] = None,
            entry_id: Optional[Text] = None, lead_text: Optional[Text] = None) -> Optional[Text]:
    """Full answer for an informational intent: specific fact first, then the entry.
    `entry_id` and `lead_text` override the intent's entry and lead (found by knowledge/focus.py)."""
    from knowledge import format as kf

    if entry_id:
        lead = (None, lead_text) if lead_text else None
    else:
        lead = fact_lead(kb, intent, text)
        entry_id = lead[0]["entry"] if lead else entry_id_for(intent, text)
    body = entry_text(kb, entry_id) if entry_id else None
    if body is None:
        return None
    row = table().row(intent)
    if lead is None and row.get("topik") == "sim":
        kelas = kelas or kb.resolve_sim_class(text)
        atribut = asked_attribute(text) if kelas else None  # the message's own word wins
        atribut = atribut or row.get("atribut")
        sentence = class_fact(kb, atribut, kelas, row.get("layanan")) if kelas else None
        lead = (None, sentence) if sentence else None
    if lead is None:
        sentence = local_lead(kb, kb.entry(entry_id), text)
        if sentence is None and not lead_text:
            entry_id, sentence = focus_lead(kb, intent, entry_id, text)
            body = entry_text(kb, entry_id) or body
        lead = (None, sentence) if sentence else None
    if lead:
        body = f"{lead[1]}\n\n{body}"
    if entry_id.startswith(LEGAL_PREFIX) and kf.DISCLAIMER not in body:
        body = f"{body}\n\n{kf.DISCLAIMER}"
    return body


# A question for an office detail that lives in config/polres.yml (entry field `lokal`).
LOCAL_ASKS = (
    ("jam_layanan.", "jam layanan", re.compile(
        r"\bjam\b|\bbuka\b|\btutup\b|jam\s*kerja|operasional|hari\s+(sabtu|minggu|libur)|"
        r"\bsabtu\b|\bminggu\b|\blibur\b|\bbukak\b|\bdibuka\b", re.IGNORECASE)),
    ("kontak.", "nomor telepon/WhatsApp", re.compile(
        r"telepon|telpon|\btelp\b|\btlp\b|nomor\s+(kantor|telepon|wa|hp)|\bwa\b|whatsapp|\bkontak\b",
        re.IGNORECASE)),
    ("lokasi.", "alamat/lokasi", re.compile(r"\balamat\w*|\balmt\b", re.IGNORECASE)),
)


def local_lead(kb, entry: Optional[Dict[Text, Any]], text: Text) -> Optional[Text]:
    """"Jam buka Satpas?": the operator-set value first, or that it is not available yet."""
    from knowledge import format as kf

    keys = list((entry or {}).get("lokal") or [])
    for prefix, label, pattern in LOCAL_ASKS:
        wanted = [k for k in keys if k.startswith(prefix) or (prefix == "lokasi." and k == "alamat")]
        if not wanted or not pattern.search(text or ""):
            continue
        shown = kf.format_lokal({"lokal": wanted}, kb.local)
        if shown:
            return shown
        labels = [kf.LOKAL_LABEL.get(k, label) for k in wanted]
        what = " dan ".join(lab[:1].lower() + lab[1:] for lab in labels)
        return kf.format_local_missing(f"{what} di")
    return None


def answer_topic(dispatcher, kb, intent: Text, text: Text, atribut: Optional[Text] = None,
                 kelas: Optional[Text] = None, entry_id: Optional[Text] = None,
                 lead_text: Optional[Text] = None) -> List[Dict[Text, Any]]:
    """The one code path for entry-backed answers (direct questions and follow-ups)."""
    body = compose(kb, intent, text, kelas, entry_id, lead_text)
    if body is None:
        dispatcher.utter_message(text=MISSING)
        return []
    if intent == "sapaan_bantuan":
        dispatcher.utter_message(text=body, buttons=MENU_BUTTONS)
    else:
        dispatcher.utter_message(text=body)
    is_sim = table().row(intent).get("topik") == "sim"
    kelas = (kelas or kb.resolve_sim_class(text)) if is_sim else None
    if kelas and atribut is None:
        atribut = asked_attribute(text)  # "yuswa pinten SIM CI": the next class is asked its age too
    events = subject_events(intent, atribut)
    if kelas:
        events.append(SlotSet("jenis_sim", kelas))
    return events


# The message names the age itself (also lanjut_aksi.class_attribute).
AGE_RE = re.compile(r"\b(umur\w*|usia\w*|yuswa\w*)\b", re.IGNORECASE)


def asked_attribute(text: Text) -> Optional[Text]:
    """"biaya" or "usia" when the message names that attribute itself ("yuswa pinten SIM CI",
    taken for a question about SIM classes), else None."""
    for variant in variants(text):
        if BIAYA_RE.search(variant):
            return "biaya"
        if AGE_RE.search(variant):
            return "usia"
    return None


def class_fact(kb, atribut: Optional[Text], kelas: Text, layanan: Optional[Text] = None) -> Optional[Text]:
    """One sentence about `atribut` for one class, from the class table (knowledge/data/sim.yml)."""
    from knowledge import format as kf

    cls = kb.sim_class(kelas)
    if cls is None:
        return None
    if atribut == "biaya":  # "sim d perpanjang bayar berapa" asked under sim_perpanjang
        fee = kb.sim_fee(kelas, layanan) if layanan else None
        return kf.format_fee(fee) if fee else None
    if atribut == "usia" and cls.get("usia_min"):
        return f"Usia minimal untuk SIM {kelas} adalah {cls['usia_min']} tahun (Perpol 5/2021 Pasal 8)."
    if atribut == "online":
        if cls.get("online"):  # sim.online: only A and C can be extended online
            return (f"SIM {kelas} bisa diperpanjang online lewat aplikasi Digital Korlantas Polri "
                    "(menu SINAR), selama belum habis masa berlakunya.")
        return (f"SIM {kelas} belum bisa diperpanjang online; perpanjangan online hanya untuk SIM A "
                "dan SIM C. Silakan perpanjang di Satpas.")
    if atribut == "peningkatan":
        before = cls.get("syarat_peningkatan") or []
        if before:
            return (f"Untuk SIM {kelas}, Anda harus sudah memegang SIM {' atau '.join(before)} "
                    "paling sedikit 12 bulan.")
        return f"SIM {kelas} tidak mensyaratkan SIM golongan lain sebelumnya."
    if atribut == "golongan":
        return f"SIM {kelas} untuk {cls['kendaraan']}."
    return None
