"""The lead sentence of a pasal answer: the article and the penalty first, then the full record.

A citizen asking "pencurian pasal berapa di KUHP baru?" or "hukuman penganiayaan berapa tahun?"
must read the number and the penalty in the first sentence, not after the title, the 110/112
line and the history. `lead(record, text, kb)` builds that one sentence from the record's own
`kode` items (nothing is invented):
- the article in force (KUHP baru first), with the old one in brackets; when the message asks
  for the old code ("KUHP lama", "dulu"), the old article comes first;
- the current penalty; when the current penalty has no figure yet (UU LLAJ after UU 1/2026:
  kurungan repealed, fines not yet converted) that comes first, then the penalty as it read
  before 2 January 2026, labelled as such;
- the fine category with its maximum when the message asks about the fine.
`condition_lead(kb, record, text)` is the sentence for a condition named in a direct question
("penganiayaan sampai korbannya meninggal"), from knowledge/fakta/pasal_kondisi.yml.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

ASKS_OLD_RE = re.compile(r"kuhp\s*(lama|lami|lawas|belanda)|\bwvs\b|\bdulu\b|\bbiyen\b|\brumiyin\b",
                         re.IGNORECASE)
ASKS_FINE_RE = re.compile(r"denda|dendo|didenda|bayar|duit|\brp\b|rupiah|kategori", re.IGNORECASE)
MAX_LEAD = 190


def _ref(kode: Dict[Text, Any]) -> Text:
    from knowledge import format as kf

    return f"Pasal {kf.format_nomor(kode['nomor'])} {kode['uu']}"


def _refs(record: Dict[Text, Any], text: Text) -> Tuple[Text, Optional[Dict[Text, Any]]]:
    """('Pasal 476 KUHP baru (dulu Pasal 362 KUHP lama)', kode item whose penalty leads)."""
    codes: List[Dict[Text, Any]] = list(record.get("kode") or [])
    if not codes:
        return "", None
    baru = [k for k in codes if k["uu"] == "KUHP baru"]
    lama = [k for k in codes if k["uu"] == "KUHP lama" or k.get("berlaku_sampai")]
    other = [k for k in codes if k not in baru and k not in lama]
    if baru and lama:
        if ASKS_OLD_RE.search(text or ""):
            return f"{_ref(lama[0])} (sekarang {_ref(baru[0])})", baru[0]
        return f"{_ref(baru[0])} (dulu {_ref(lama[0])})", baru[0]
    main = baru or other or lama
    picked = _by_condition(main, text)
    if picked is not None:  # "KDRT sampai korban meninggal": the sub-article for that case
        return _ref(picked), picked
    return _ref(main[0]), main[0]  # one article with its own penalty (never another's)


# A condition named in the question and the words the sub-article's penalty uses for it.
CONDITION_WORDS = (
    (re.compile(r"meninggal|\bmati\b|tewas|wafat|nyawa|\bseda\b|tilar\s+donya", re.I),
     re.compile(r"meninggal|kematian|mati", re.I)),
    (re.compile(r"luka\s+berat|parah|cacat|patah|koma|lumpuh", re.I), re.compile(r"luka\s+berat", re.I)),
    (re.compile(r"luka\s+ringan|lecet|memar", re.I), re.compile(r"luka\s+ringan", re.I)),
    (re.compile(r"jatuh\s+sakit|sakit", re.I), re.compile(r"sakit", re.I)),
    (re.compile(r"rusak|kendaraan|barang", re.I), re.compile(r"rusak", re.I)),
)


def _by_condition(codes: List[Dict[Text, Any]], text: Text) -> Optional[Dict[Text, Any]]:
    if len(codes) < 2:
        return None
    for asked, said in CONDITION_WORDS:
        if asked.search(text or ""):
            hits = [k for k in codes if said.search(k.get("ancaman") or "")]
            if len(hits) == 1:
                return hits[0]
    return None


def _penalty(kb, kode: Dict[Text, Any], text: Text) -> Text:
    from knowledge import format as kf

    ancaman = (kode.get("ancaman") or "").strip().rstrip(".")
    before = (kode.get("ancaman_sebelum") or "").strip().rstrip(".")
    if before and not re.search(r"\d+\s*(tahun|bulan|hari)|rp\s*\d", ancaman, re.IGNORECASE):
        # no figure in force yet: say so, and give the earlier figure as history
        return (f"kurungan sudah dihapus sejak 2 Januari 2026 (dulu {before}); batas denda barunya "
                "belum kami pastikan")
    kategori = kode.get("kategori_denda")
    if kategori and ASKS_FINE_RE.search(text or ""):
        maks = kb.denda_maks(kategori) if kb is not None else None
        if maks:
            return f"denda paling banyak kategori {kategori} ({kf.format_rupiah(maks)}); {ancaman}"
    return ancaman


def lead(kb, record: Dict[Text, Any], text: Text) -> Optional[Text]:
    """One sentence: title, article(s) and penalty (None for a record without articles)."""
    refs, kode = _refs(record, text)
    if kode is None:
        return None
    penalty = _penalty(kb, kode, text)
    sentence = f"{record['judul']}: {refs}"
    if penalty:
        sentence += f", {penalty}"
    if len(sentence) > MAX_LEAD + 60 and ";" in penalty and "(dulu " not in penalty:
        sentence = f"{record['judul']}: {refs}, {penalty.split(';')[0]}"
    return sentence.rstrip(".") + "."


def condition_lead(kb, record: Dict[Text, Any], text: Text) -> Optional[Tuple[Text, Dict[Text, Any]]]:
    """(sentence, record to show) when the message names a condition the data links for `record`."""
    from knowledge import facts as kfacts

    conditions = kfacts.load_conditions()
    key = kfacts.detect_condition(conditions, text)
    if key is None:
        return None
    link = kfacts.condition_link(conditions, record["id"], key)
    if link is None:
        return None
    target = (kb.entry(link["pasal"]) if link.get("pasal") else None) or record
    return linked_lead(kb, link, target, text), target


def linked_lead(kb, link: Dict[Text, Any], target: Dict[Text, Any], text: Text) -> Text:
    """The condition's sentence; when it points to another record, that record's article and
    penalty follow at once ("... pencurian dengan pemberatan: Pasal 477 KUHP baru, ...")."""
    if not link.get("pasal"):
        return link["teks"]
    first = lead(kb, target, text)
    return f"{link['teks']} {first}" if first else link["teks"]
