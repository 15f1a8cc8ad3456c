"""Is this message an emergency happening now? Then 110/112 come first, whatever else is going on.

The NLU sends a clear call for help to `layanan_darurat` (data/rules/darurat.yml answers it at
once, also inside a form). But inside the report form a message such as "tolong ada orang
ditusuk, berdarah" is read as the answer to the form's question (and the NLU often calls it
`lapor_kejadian`). This module recognises such a message from its words, in Indonesian, slang
and Javanese, so that the form (actions/lapor.py), pasal answers and follow-ups can put the
emergency numbers first and still keep what the user wrote.

A message is urgent when it names a danger to life or body that is going on, not a past event:
- a life-threatening event on its own (someone bleeding, unconscious, drowning, a fire, a
  suicide attempt); or
- a danger (stabbing, robbery, a thief still in the house, an accident with victims, ...)
  together with a "now / here" word or a call for help.
Past markers ("kemarin", "minggu lalu", "wingi") turn the second kind off: a report about last
night's theft is a report, not an emergency.
"""
from __future__ import annotations

import re
from typing import Optional, Text

# Life in danger on its own: never a past report without "now".
_KRITIS = re.compile(
    r"berdarah|darah\w*\s+(banyak|terus|ngucur|deres)|pendarahan|\bngucur\b|getih\w*|"
    r"(tidak|gak|ga|nggak|ndak|ora|mboten)\s+sadar\w*|pingsan|semaput|klenger|sekarat|kejang|"
    r"(tidak|gak|ga|nggak|ora|mboten)\s+(bisa\s+)?(napas|nafas|ambegan)|sesak\s+napas|"
    r"tenggelam|kelelep|keli\b|hanyut|kebakaran|terbakar|kobong|geni\s+gedhe|"
    r"bunuh\s+diri|gantung\s+diri|lompat\s+dari|loncat\s+dari|nglalu|mau\s+mati|"
    r"tertimbun|ketimbun|kejepit|terjepit|overdosis",
    re.IGNORECASE)
# Danger to a person or property that is urgent when it is going on now.
_BAHAYA = re.compile(
    r"ditusuk|nusuk|tusuk|dibacok|bacok|disabet|dicelurit|clurit|celurit|golok|pisau|senjata|"
    r"pistol|ditembak|tembak|dirampok|rampok|dibegal|begal|ditodong|todong|dijambret|jambret|"
    r"dipukul\w*|\w*mukul\w*|digebuk\w*|\w*gebuk\w*|\w*hajar\w*|\w*antemi|\w*tonjok\w*|nggebug\w*|"
    r"dikeroyok|keroyok|tawuran|berkelahi|gelut|"
    r"diserang|nyerang|menyerang|diculik|culik|disekap|dianiaya|aniaya|diperkosa|perkosa|"
    r"maling\w*|pencuri|nyolong|kemalingan|garong|rampog|"
    r"kecelakaan|tabrakan|ketabrak|ditabrak|kecelakan|korban|luka\w*|tatu|"
    r"kebanjiran|banjir\s+bandang|longsor|gempa|"
    r"diancam|ngancam|mengancam|ngamuk|mengamuk|mabuk\s+bawa",
    re.IGNORECASE)
_SEKARANG = re.compile(
    r"sekarang|skrg|skrng|skg|sekarng|saat\s+ini|\bini\b\s+(lagi|masih)|\blagi\b|sedang|"
    r"\bmasih\b|\bmsh\b|\bmasi\b|\bisih\b|\bisek\b|\bsih\s+ada\b|saiki|sakniki|samenika|nembe|"
    r"di\s*sini|dsini|disini|\bsini\b|\bkene\b|\bmriki\b|depan\s+(rumah|saya|mata)|"
    r"barusan|baru\s+saja|mau\s+(bunuh|bacok|nusuk)",
    re.IGNORECASE)
_TOLONG = re.compile(
    r"\btolong+\b|\btlg\b|\btulung+\b|\bhelp\b|darurat|gawat|cepat|cepet\w*|buruan|segera|"
    r"\bsos\b|panik|bahaya|bebaya",
    re.IGNORECASE)
_LAMPAU = re.compile(
    r"kemarin|kmrn|kemaren|kmaren|minggu\s+lalu|bulan\s+lalu|tahun\s+lalu|tadi\s+malam|semalam|"
    r"\bwingi\b|\bbiyen\b|\bdulu\b|wis\s+suwe|sudah\s+lama|udah\s+lama|\bkala\s*wingi\b",
    re.IGNORECASE)
_PERTANYAAN_HUKUM = re.compile(r"\bpasal\b|hukuman|ancaman\s+(pidana|hukuman)|dipenjara|kena\s+pasal|"
                               r"\bukuman\b|berapa\s+tahun", re.IGNORECASE)


def is_urgent(text: Optional[Text]) -> bool:
    """True when the message describes a danger to someone that is happening now."""
    text = text or ""
    if not text.strip() or text.lstrip().startswith("/"):
        return False
    if _KRITIS.search(text):
        # "pasal bunuh diri" / "hukuman pembakaran": a legal question, not a call for help,
        # unless it also says now or asks for help
        return not _PERTANYAAN_HUKUM.search(text) or bool(_SEKARANG.search(text) or _TOLONG.search(text))
    if not _BAHAYA.search(text):
        return False
    if _LAMPAU.search(text) and not re.search(r"\bmasih\b|\bisih\b|\bmsh\b", text, re.IGNORECASE):
        return False
    now, help_ = bool(_SEKARANG.search(text)), bool(_TOLONG.search(text))
    if _PERTANYAAN_HUKUM.search(text):
        return now and help_
    return now or help_


SEGERA = ("Ini keadaan darurat: segera telepon 110 (Polisi) atau 112 (gratis, 24 jam) sekarang juga, "
          "jangan menunggu balasan chat.")
LANJUT_FORM = "Apa yang sudah Anda tulis tetap saya catat; setelah menelepon, laporan ini bisa dilanjutkan."


def urgent_text(kb, in_form: bool = False) -> Text:
    """110/112 first, then the emergency numbers as the knowledge base holds them."""
    from actions.common import entry_text

    parts = [SEGERA]
    body = entry_text(kb, "layanan.darurat") if kb is not None else None
    if body:
        parts.append(body)
    if in_form:
        parts.append(LANJUT_FORM)
    return "\n\n".join(parts)
