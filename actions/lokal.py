"""Local Polres Batang facts from the operator config (config/polres.yml via `kb.local`).

Nothing here is invented: every value printed comes from the config; when a value is unset the
answer says it is not available yet ("belum tersedia") and points to 110 or the office.
- `action_kontak_polres`  (layanan_kontak_polres): address, contacts, service hours.
- `action_info_lokal`     (sim_keliling, layanan_operasi): general entry + local schedule.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Text

from actions.answers import fact_lead, focus_lead, subject_events
from actions.common import KnowledgeAction, entry_text, latest_intent, latest_text

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]

KONTAK_FIELDS = [
    ("alamat", "Alamat"),
    ("kontak.telepon", "Telepon"),
    ("kontak.whatsapp", "WhatsApp"),
    ("kontak.email", "Email"),
    ("kontak.website", "Website"),
    ("kontak.instagram", "Instagram"),
    ("jam_layanan.spkt", "Jam layanan SPKT"),
    ("jam_layanan.satpas", "Jam layanan SIM (Satpas)"),
    ("jam_layanan.skck", "Jam layanan SKCK"),
    ("lokasi.spkt", "Lokasi SPKT"),
    ("lokasi.satpas", "Lokasi Satpas (SIM)"),
    ("lokasi.skck", "Lokasi layanan SKCK"),
]


def tanggal(value: Optional[Text]) -> Text:
    """'2025-12-20' -> '20 Desember 2025' (unchanged if not an ISO date)."""
    try:
        d = dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return str(value or "")
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def nama_polres(kb) -> Text:
    return kb.local("nama") or "Polres Batang"


def diperbarui(kb) -> Text:
    when = kb.local("diperbarui")
    return f" (data per {tanggal(when)})" if when else ""


def missing(what: Text) -> Text:
    from knowledge import format as kf

    return kf.format_local_missing(what)


def answer_contact(dispatcher, kb, text: Text = "") -> List[Dict[Text, Any]]:
    """Address, contacts and hours from the config, then the general entry (layanan.kontak_polres).
    A specific fact asked for ("berapa Polsek?") leads."""
    lead = fact_lead(kb, "layanan_kontak_polres", text)
    if lead:
        body = "\n\n".join(p for p in (lead[1], entry_text(kb, "layanan.kontak_polres")) if p)
        dispatcher.utter_message(text=body)
        return subject_events("layanan_kontak_polres")
    nama = nama_polres(kb)
    known = [(label, kb.local(key)) for key, label in KONTAK_FIELDS]
    known = [(label, value) for label, value in known if value]
    general = entry_text(kb, "layanan.kontak_polres")
    if not known:
        parts = [missing("alamat, nomor telepon, dan jam layanan"), general]
        dispatcher.utter_message(text="\n\n".join(p for p in parts if p))
        return subject_events("layanan_kontak_polres")
    lines = [f"Informasi {nama}{diperbarui(kb)}:"]
    lines += [f"- {label}: {value}" for label, value in known]
    absent = [label for key, label in KONTAK_FIELDS[:3] if not kb.local(key)]
    if absent:
        lines.append(f"{', '.join(absent)} belum tersedia di data kami.")
    lines.append("Untuk keadaan darurat, hubungi 110 (gratis, 24 jam).")
    if general:
        lines += ["", general]
    dispatcher.utter_message(text="\n".join(lines))
    return subject_events("layanan_kontak_polres")


class ActionKontakPolres(KnowledgeAction):
    def name(self) -> Text:
        return "action_kontak_polres"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        return answer_contact(dispatcher, kb, latest_text(tracker))


def sim_keliling_text(kb) -> Text:
    rows = kb.upcoming_sim_keliling()
    if not rows:
        return missing("jadwal SIM keliling")
    lines = [f"Jadwal SIM keliling {nama_polres(kb)}{diperbarui(kb)}:"]
    for row in rows:
        day = tanggal(row.get("tanggal")) if row.get("tanggal") else None
        when = ", ".join(x for x in (row.get("hari"), day, row.get("jam")) if x)
        extra = "; ".join(x for x in (row.get("layanan"), row.get("keterangan")) if x)
        lines.append(f"- {when + ': ' if when else ''}{row['lokasi']}{f' ({extra})' if extra else ''}")
    return "\n".join(lines)


def operasi_text(kb) -> Text:
    ops = kb.active_operations()
    if not ops:
        return missing("operasi kepolisian yang sedang berlangsung di wilayah")
    lines = ["Operasi kepolisian yang sedang berlangsung:"]
    for op in ops:
        line = f"- {op['nama']}: {tanggal(op['mulai'])} s.d. {tanggal(op['selesai'])}"
        if op.get("keterangan"):
            line += f". {op['keterangan']}"
        if op.get("sumber"):
            line += f" (sumber: {op['sumber']})"
        lines.append(line)
    return "\n".join(lines)


# intent -> (general knowledge entry, function giving the local part)
# The message asks for the operator-set part (schedule, hours, place): that part leads.
LOCAL_ASK_RE = re.compile(r"jadwal\w*|\bjam\b|\bbuka\b|\bbikak\b|\btutup\b|kapan|hari\s+ini|minggu\s+ini|"
                          r"besok|lokasi\w*|di\s*mana|\bdmn\b|ngendi|\bendi\b|pundi|alamat\w*", re.IGNORECASE)

LOCAL_TOPICS = {
    "sim_keliling": ("sim.keliling", sim_keliling_text),
    "layanan_operasi": ("layanan.operasi", operasi_text),
}


def answer_local(dispatcher, kb, intent: Text, text: Text = "",
                 atribut: Optional[Text] = None) -> List[Dict[Text, Any]]:
    if intent not in LOCAL_TOPICS:
        intent = "sim_keliling"
    entry_id, local_part = LOCAL_TOPICS[intent]
    parts = [local_part(kb), entry_text(kb, entry_id)]
    if atribut == "lokasi":  # "ngurusnya di mana?": where (the entry) before the schedule
        parts.reverse()
    lead = fact_lead(kb, intent, text)
    if lead:  # a specific fact asked for ("Operasi Lilin 2025 berapa personel?") leads
        parts.insert(0, lead[1])
    elif not LOCAL_ASK_RE.search(text or ""):  # "SIM keliling bisa SIM baru?": that sentence leads
        _, sentence = focus_lead(kb, intent, entry_id, text)
        if sentence:
            parts.insert(0, sentence)
    dispatcher.utter_message(text="\n\n".join(p for p in parts if p))
    return subject_events(intent)


class ActionInfoLokal(KnowledgeAction):
    def name(self) -> Text:
        return "action_info_lokal"

    def answer(self, dispatcher, tracker, domain, kb) -> List[Dict[Text, Any]]:
        return answer_local(dispatcher, kb, latest_intent(tracker), latest_text(tracker))
