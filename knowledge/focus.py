"""The sentence of an entry that answers a specific question (issue 9: the answer leads with the
fact asked for, then the context).

Hand-written facts (knowledge/fakta/fakta.yml) cover the questions trainers foresaw. Every other
sentence an entry holds is reachable through this module: an entry is cut into units (each
sentence of `teks`, of every `poin`/`langkah` item and of `catatan`), and a question is scored
against them.

- Words are compared in a rough normal form: lower case, common Indonesian affixes removed
  ("dipungut" -> "pungut", "pembuatan" -> "buat"), a few synonym groups folded ("gratis",
  "bayar", "tarif" -> "biaya"; "wa", "telepon" -> "nomor").
- A word counts by its rarity in the whole knowledge base (inverse document frequency over all
  units), so "sim" or "polisi" weigh little and "ePPsi", "kurungan" or "CCTV" weigh much.
- Words of the entry's own title are left out when the entry is already chosen: "bayar SKCK
  online lewat apa" under "SKCK online lewat Super App Presisi" is scored on "bayar" alone, and
  the step "Bayar PNBP lewat BRIVA" leads.
- A sentence that continues a list item is shown with the item's head ("Sertifikat tes
  psikologi: tes bisa online lewat ePPsi.").

`best_unit(kb, entry_ids, text)` -> Hit or None. Leaf module: stdlib only.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

# Question words, particles, pronouns and verbs that say nothing about which fact is asked.
STOPWORDS = frozenset("""
apa apakah apa2 opo menapa berapa brp piro pinten pira bisa bs iso saged dapat boleh ga gak nggak
ngga enggak tidak tdk ora mboten ya yah sih si dong deh kah lah kok tuh itu ini iku kuwi niki
punika mau pengen ingin kepengen arep badhe saya aku sy gue gw kulo kula kami kita anda
sampean panjenengan yang yg sing ingkang di ke dari dr ing saka untuk utk buat bwt kanggo kangge
nggo dengan dgn sama karo kalih dan atau lan utawi harus hrs kudu kedah sudah udah wis sampun
masih isih taksih sekarang skrg saiki sakmenika ada onten nek kalau kalo klo menawi gimana
bagaimana gmn piye pripun cara carane caranya tolong mohon pak bu mas mbak kak min admin gan
lur bro sis nggih njih oke ok the a adalah ialah yaitu jadi aja saja wae mawon
bikin gawe damel ndamel membuat urus ngurus mengurus tentang soal info informasi tanya
siapa sopo sinten kapan kpn mana dimana endi pundi nama sampai nganti benar bener kan kasus perkara
kasusnya pakai pake make nganggo ngangge gunakan menggunakan
""".split())

# Synonym groups: every word of a group counts as the group's first word.
SYNONYMS: Tuple[Tuple[str, ...], ...] = (
    ("biaya", "bayar", "byr", "tarif", "harga", "ongkos", "pungut", "gratis", "duit", "regane",
     "pnbp", "dikenai", "kena"),
    ("nomor", "nomer", "no", "whatsapp", "wa", "telepon", "telpon", "tlp", "telp", "hubung",
     "kontak", "call", "nelpon", "nelepon", "ditelpon", "menelepon", "nomere"),
    ("usia", "umur", "yuswa", "umure"),
    ("online", "daring", "onlen"),
    ("berlaku", "kedaluwarsa", "kadaluarsa", "expired", "brlaku"),
    ("lapor", "adu", "ngadu", "mengadu", "diadukan", "aduan", "pengaduan", "wadul"),
    ("cctv", "rekam", "direkam", "video"),
    ("hapus", "dihapus", "hilangkan"),
    ("hilang", "ilang", "ilange", "kehilangan"),
    ("buat", "bikin", "gawe", "damel", "ndamel"),
)
_CANON: Dict[str, str] = {w: group[0] for group in SYNONYMS for w in group}
# The attribute a question asks for says which sentence answers it ("sertifikat psikologi bisa
# online?": the sentence about online, not the one naming the certificate).
ASK_STEMS = frozenset({"biaya", "nomor", "usia", "online", "berlaku"})
ASK_WEIGHT = 2.0
# Words that qualify what is asked without naming a subject ("umurnya minimal berapa?").
NOT_SUBJECT = ASK_STEMS | frozenset({"minimal", "minimum", "maksimal", "maksimum", "paling", "lama",
                                     "syarat", "proses", "waktu"})

_PREFIXES = ("memper", "meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "per",
             "pe", "ber", "be", "ter", "di", "ke", "se")
_SUFFIXES = ("nya", "ipun", "kan", "an", "in", "ne", "e")
_WORD_RE = re.compile(r"[0-9a-zA-Z]+")
# A sentence that states a rupiah amount answers "berapa biayanya / harganya" too.
_RUPIAH_RE = re.compile(r"\bRp\s?\d")
MONEY = frozenset({"biaya"})
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")
# Least score for a lead: inside the entry the classifier chose, one matching word that singles
# out a sentence is enough; across entries the question must match a rare word or several.
IN_ENTRY_SCORE = 1.0
ACROSS_SCORE = 5.0
# Least share of the question's weight the sentence must match ("berapa hari gratifikasi wajib
# dilaporkan ke KPK" matches only "lapor" in the complaint entry: that entry does not hold it).
MIN_COVERAGE = 0.4
HEAD_MAX_WORDS = 6
SHORT_ITEM_WORDS = 6  # a list item this short is shown with the entry's title
# Entries that state no fact of their own (the help menu lists topics).
NOT_FACTS = frozenset({"layanan.bantuan"})


def stem(word: str) -> str:
    """A rough normal form: synonyms folded, one prefix and one suffix removed."""
    word = word.lower()
    if word in _CANON:
        return _CANON[word]
    if word.isdigit() or len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if word in _CANON:  # "berlakunya" -> "berlaku"
        return _CANON[word]
    for _ in range(2):  # "diperpanjang" -> "perpanjang" -> "panjang"
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4:
                word = word[len(prefix):]
                break
        else:
            break
    return _CANON.get(word, word)


def words(text: str) -> FrozenSet[str]:
    """The stems of a text's content words."""
    return frozenset(stem(w) for w in _WORD_RE.findall(text or "") if w.lower() not in STOPWORDS)


@dataclass(frozen=True)
class Unit:
    entry_id: str
    text: str          # the sentence as written
    head: str          # the list item's head, when the sentence is not the item's first
    own: FrozenSet[str]
    context: FrozenSet[str]  # the other sentences of the same list item
    first: bool        # the entry's first sentence (it leads the entry text anyway)
    block: str = ""    # the whole list item (or paragraph) the sentence belongs to


@dataclass(frozen=True)
class Hit:
    entry_id: str
    sentence: str      # ready to lead an answer
    score: float
    first: bool


def _sentences(text: str) -> List[str]:
    return [s.strip() for s in _SENTENCE_RE.split(" ".join((text or "").split())) if s.strip()]


def _head(first_sentence: str) -> str:
    head = re.split(r"[:(,]", first_sentence, maxsplit=1)[0].strip().rstrip(".")
    return head if 0 < len(head.split()) <= HEAD_MAX_WORDS else ""


def entry_units(entry: Dict) -> List[Unit]:
    units: List[Unit] = []
    blocks = [entry.get("teks") or entry.get("ringkasan") or entry.get("judul") or ""]
    blocks += list(entry.get("poin") or []) + list(entry.get("langkah") or [])
    blocks += [entry.get("catatan") or "", entry.get("catatan_aduan") or ""]
    names = title_text(entry)  # the title (and an offence's names) describe every unit
    for b, block in enumerate(blocks):
        sentences = _sentences(str(block))
        for i, sentence in enumerate(sentences):
            others = " ".join(s for j, s in enumerate(sentences) if j != i) + " " + names
            if i > 0 and b > 0:  # a later sentence of a list item: the item's head
                head = _head(sentences[0])
            elif b > 0 and len(sentence.split()) <= SHORT_ITEM_WORDS:  # "Biaya PNBP Rp30.000."
                head = " ".join(str(entry.get("judul") or "").split())
            else:
                head = ""
            own = words(sentence) | (MONEY if _RUPIAH_RE.search(sentence) else frozenset())
            units.append(Unit(entry["id"], sentence, head, own, words(others),
                              first=(b == 0 and i == 0), block=" ".join(sentences)))
    return units


def title_text(entry: Dict) -> str:
    """The entry's title, and for an offence record its keywords."""
    return " ".join([entry.get("judul") or ""] + list(entry.get("kata_kunci") or []))


class Index:
    """Units of every entry and the document frequency of every stem."""

    def __init__(self, entries: Iterable[Dict]):
        self.units: Dict[str, List[Unit]] = {}
        self.titles: Dict[str, FrozenSet[str]] = {}
        df: Dict[str, int] = {}
        for entry in entries:
            units = entry_units(entry)
            self.units[entry["id"]] = units
            self.titles[entry["id"]] = words(title_text(entry))
            for unit in units:
                for w in unit.own | unit.context:
                    df[w] = df.get(w, 0) + 1
        total = sum(len(u) for u in self.units.values()) or 1
        self.idf = {w: math.log(1 + total / n) for w, n in df.items()}

    def weight(self, word: str) -> float:
        return self.idf.get(word, 0.0) * (ASK_WEIGHT if word in ASK_STEMS else 1.0)

    def score(self, unit: Unit, asked: FrozenSet[str]) -> float:
        own = sum(self.weight(w) for w in asked & unit.own)
        return own + 0.5 * sum(self.weight(w) for w in (asked - unit.own) & unit.context)

    def best(self, entry_ids: Sequence[str], text: str, drop_title: bool = True,
             prefer: Optional[str] = None, min_score: float = ACROSS_SCORE,
             ignore: Sequence[str] = (), need_subject: bool = False) -> Optional[Hit]:
        """The best unit over `entry_ids` for `text`, or None when nothing rare enough matches
        or two units tie (the question does not single out one sentence)."""
        scored: List[Tuple[float, float, Unit]] = []
        question = words(text)
        for other in ignore:  # the title of the entry the question was first taken for
            question = question - self.titles.get(other, frozenset())
        for entry_id in entry_ids:
            asked = question
            if drop_title:
                asked = asked - self.titles.get(entry_id, frozenset())
            asked_weight = sum(self.weight(w) for w in asked) or 1.0
            for unit in self.units.get(entry_id, []):
                s = self.score(unit, asked)
                if s > 0:
                    if need_subject and not (asked & (unit.own | unit.context)) - NOT_SUBJECT:
                        continue  # "yang online?" names an attribute, no subject: never a guess
                    scored.append((s + (0.5 if entry_id == prefer else 0.0), s / asked_weight, unit))
        if not scored:
            return None
        scored.sort(key=lambda su: -su[0])
        top_score, coverage, top = scored[0]
        if top_score < min_score or coverage < MIN_COVERAGE:
            return None  # nothing rare enough, or most of what is asked is not in that sentence
        tied = [u for s_, _, u in scored[1:] if s_ >= top_score - 1e-9 and not same_fact(u, top)]
        if tied:
            if any(u.entry_id != top.entry_id or u.block != top.block or u.first for u in tied) or top.first:
                return None  # different sentences answer equally well: nothing is singled out
            # sentences of one list item or note: the item as a whole answers
            return Hit(top.entry_id, top.block, top_score, False)
        return Hit(top.entry_id, render(top), top_score, top.first)


def same_fact(a: Unit, b: Unit) -> bool:
    """Two sentences that state the same numbers (the BPJS WhatsApp lines of three entries)."""
    if a.text == b.text:
        return True
    digits_a, digits_b = set(re.findall(r"\d[\d.]*\d|\d", a.text)), set(re.findall(r"\d[\d.]*\d|\d", b.text))
    return bool(digits_a) and digits_a == digits_b


def render(unit: Unit) -> str:
    text = unit.text.rstrip(":")
    text = text if text.endswith((".", "!", "?", ")")) else text + "."
    if not unit.head:
        return text
    return f"{unit.head}: {text[:1].lower()}{text[1:]}"


_lock = threading.Lock()
_cache: Dict[int, Tuple[object, Index]] = {}


def index_for(kb) -> Index:
    """The index of a loaded knowledge base (built once per KnowledgeBase object)."""
    key = id(kb)
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] is kb:
            return hit[1]
    index = Index(kb.all_entries())
    with _lock:
        _cache.clear()
        _cache[key] = (kb, index)
    return index


def best_unit(kb, entry_ids: Sequence[str], text: str, drop_title: bool = True,
              prefer: Optional[str] = None, min_score: float = ACROSS_SCORE,
              ignore: Sequence[str] = ()) -> Optional[Hit]:
    return index_for(kb).best(entry_ids, text, drop_title, prefer, min_score, ignore)


def search(kb, text: str, topik: Optional[str] = None) -> Optional[Hit]:
    """The best sentence of the whole knowledge base (or of one topic) for an unclear message."""
    index = index_for(kb)
    ids = [e for e in index.units if (topik is None or e.startswith(topik + ".")) and e not in NOT_FACTS]
    return index.best(ids, text, drop_title=False, min_score=ACROSS_SCORE, need_subject=True)
