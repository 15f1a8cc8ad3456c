"""Query functions over the loaded knowledge base (KnowledgeBase) and load_kb()."""
from __future__ import annotations

import copy
import datetime as _dt
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from . import loader

UU_CANONICAL = ("KUHP baru", "KUHP lama", "UU LLAJ", "UU ITE", "UU KDRT", "UU Narkotika", "UU Tipikor")

# alias (lower-case, normalised spaces) -> canonical uu; "kuhp" alone matches both codes
_UU_ALIASES = {
    "kuhp baru": "KUHP baru", "kuhp nasional": "KUHP baru", "uu 1/2023": "KUHP baru",
    "uu 1 2023": "KUHP baru", "uu no 1 tahun 2023": "KUHP baru", "uu nomor 1 tahun 2023": "KUHP baru",
    "kuhp 2023": "KUHP baru", "kuhp yang baru": "KUHP baru",
    "kuhp lama": "KUHP lama", "kuhp 1946": "KUHP lama", "wvs": "KUHP lama", "kuhp yang lama": "KUHP lama",
    "uu llaj": "UU LLAJ", "llaj": "UU LLAJ", "uu lalu lintas": "UU LLAJ", "lalu lintas": "UU LLAJ",
    "uu 22/2009": "UU LLAJ", "uu 22 2009": "UU LLAJ", "uu lalin": "UU LLAJ", "lalin": "UU LLAJ",
    "uu ite": "UU ITE", "ite": "UU ITE", "uu 11/2008": "UU ITE", "uu 1/2024": "UU ITE",
    "uu kdrt": "UU KDRT", "kdrt": "UU KDRT", "uu pkdrt": "UU KDRT", "uu 23/2004": "UU KDRT",
    "uu narkotika": "UU Narkotika", "narkotika": "UU Narkotika", "uu narkoba": "UU Narkotika",
    "narkoba": "UU Narkotika", "uu 35/2009": "UU Narkotika",
    "uu tipikor": "UU Tipikor", "tipikor": "UU Tipikor", "uu korupsi": "UU Tipikor",
    "korupsi": "UU Tipikor", "uu 31/1999": "UU Tipikor", "uu 20/2001": "UU Tipikor",
}
_KUHP_BOTH = {"kuhp", "kuhpidana", "kitab undang undang hukum pidana", "kitab undang-undang hukum pidana"}

_PASAL_RX = re.compile(
    r"(?:pasal|psl|ps\.?)?\s*(\d{1,4})\s*([a-z])?(?![a-z])\s*(?:(?:ayat|ay\.?)\s*\(?\s*(\d{1,2})\s*\)?|\(\s*(\d{1,2})\s*\))?",
    re.IGNORECASE,
)

# Words that carry no meaning for the fuzzy pasal lookup.
_STOPWORDS = set("""
pasal psl ayat hukuman hukumannya ancaman ancamannya pidana pidananya sanksi sanksinya denda dendanya
apa apakah berapa brp gimana bagaimana yang untuk buat utk bagi orang org kalau kalo klo jika bila
tentang ttg soal masalah kasus tindak tindakan perbuatan kena dikenakan dijerat jerat kena dijerat
di ke dari dan atau dengan dgn itu ini nya lah kah dong donk ya yah kak pak bu min mas mbak bang
tahun thn penjara dipenjara berapa lama uu undang kuhp baru lama nomor no isi bunyi
saya aku gue gw kamu anda dia mereka kita ada adalah jadi bisa boleh mau ingin tanya nanya
piro pira pinten pirang opo napa menapa nek yen menawi iku kuwi niku iki niki sing ingkang kenane
wong uwong tiyang dihukum hukumane ukumane paukuman paukumane ancamane dipenjara taun tahunan
ning ing teng wonten dados dadi nggih njih lur gan sis bro sih aja doang gak ga nggak ora mboten
""".split())

# Javanese and slang words for offences -> the words the records' keywords use.
_SEARCH_NORMS = {
    "ngancem": "mengancam", "ngancam": "mengancam", "wa": "whatsapp", "whatsap": "whatsapp",
    "nyolong": "mencuri", "colong": "curi", "colongan": "curian", "dicolong": "dicuri",
    "nyolongi": "mencuri", "maling": "maling", "tuku": "beli", "nuku": "beli", "tumbas": "beli",
    "adol": "jual", "ngedol": "jual", "sade": "jual", "nganggo": "pakai", "ngangge": "pakai",
    "mateni": "membunuh", "dipateni": "dibunuh", "mejahi": "membunuh", "ngapusi": "menipu",
    "diapusi": "ditipu", "apus": "tipu", "gebuki": "pukul", "digebuki": "dipukuli",
    "ngantemi": "memukul", "diantemi": "dipukuli", "nggebuk": "memukul", "nabok": "menampar",
    "ditabok": "ditampar", "nyabu": "nyabu", "ngombe": "minum", "judian": "judi",
    "ngrampok": "merampok", "dirampok": "dirampok", "mbegal": "begal", "dibegal": "dibegal",
    "barang": "barang", "montor": "motor", "pit": "motor", "hape": "hp", "ngrusak": "merusak",
}

# Aliases that only count when they are the whole answer ("sim di mana?" is not SIM DI).
_AMBIGUOUS_IN_SENTENCE = {"sim di", "sim d 1", "d 1", "b 1", "b 2", "c 1", "c 2"}

FUZZY_CUTOFF = 72.0
# Results scoring more than this below the best hit are dropped (keeps answers focused).
FUZZY_MARGIN = 15.0


def _clean(value: Any) -> Any:
    """Treat "", [], {} (and dicts of only empty values) as None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (list, tuple)):
        return list(value) if len(value) else None
    if isinstance(value, dict):
        return value if any(_clean(v) is not None for v in value.values()) else None
    return value


def _strip_stopwords(text: str) -> str:
    """Lower-case, drop punctuation and stopwords; keep the text if only stopwords remain."""
    proc = default_process(text)
    words = [w for w in proc.split() if w not in _STOPWORDS]
    return " ".join(words) if words else proc


def _norm_space(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def parse_pasal_number(text: str) -> Optional[Tuple[str, Optional[str]]]:
    """"310 ayat 2" -> ("310", "2"); "27a" -> ("27A", None); "pasal 362" -> ("362", None)."""
    if text is None:
        return None
    m = _PASAL_RX.search(str(text))
    if not m:
        return None
    base = m.group(1).lstrip("0") or "0"
    if m.group(2):
        base += m.group(2).upper()
    ayat = m.group(3) or m.group(4)
    return base, (ayat.lstrip("0") or "0") if ayat else None


class KnowledgeBase:
    """Read-only view over validated knowledge data + the local Polres config."""

    def __init__(self, topics: Dict[str, Dict[str, Any]], config: Dict[str, Any],
                 data_dir: Path, config_path: Path):
        self.data_dir = data_dir
        self.config_path = config_path
        self._topics = topics
        self._config = config
        self._by_id: Dict[str, Dict[str, Any]] = {}
        self._by_topic: Dict[str, List[Dict[str, Any]]] = {}
        for name, doc in topics.items():
            items = list(doc.get("entries") or []) + list(doc.get("pasal") or [])
            self._by_topic[name] = items
            for item in items:
                self._by_id[item["id"]] = item
        self._pasal = [p for doc in topics.values() for p in (doc.get("pasal") or [])]
        self._golongan = [g for doc in topics.values() for g in (doc.get("golongan") or [])]
        self._kategori = [k for doc in topics.values() for k in (doc.get("kategori_denda") or [])]
        self._darurat = [d for doc in topics.values() for d in (doc.get("nomor_darurat") or [])]
        self._alias: Dict[str, str] = {}
        for g in self._golongan:
            self._alias[_norm_space(g["kelas"])] = g["kelas"]
            self._alias[_norm_space(g["kelas"]).replace(" ", "")] = g["kelas"]
            for a in g["alias"]:
                self._alias[_norm_space(a)] = g["kelas"]
        self._search_index: List[Tuple[str, Dict[str, Any]]] = []
        for rec in self._pasal:
            for phrase in [rec["judul"]] + list(rec["kata_kunci"]):
                proc = _strip_stopwords(phrase)
                if proc:
                    self._search_index.append((proc, rec))

    # ---------- generic ----------
    def topics(self) -> List[str]:
        return sorted(self._by_topic)

    def entry(self, entry_id: str) -> Optional[Dict[str, Any]]:
        item = self._by_id.get(entry_id) if isinstance(entry_id, str) else None
        return copy.deepcopy(item) if item is not None else None

    def entries(self, topik: str) -> List[Dict[str, Any]]:
        return copy.deepcopy(self._by_topic.get(topik, []))

    def all_entries(self) -> List[Dict[str, Any]]:
        return [copy.deepcopy(e) for t in self.topics() for e in self._by_topic[t]]

    def not_certain(self) -> List[Dict[str, Any]]:
        return [e for e in self.all_entries() if e["kepastian"] != "pasti"]

    def counts(self) -> Dict[str, int]:
        return {t: len(self._by_topic[t]) for t in self.topics()}

    # ---------- SIM ----------
    def sim_classes(self, include_internasional: bool = False) -> List[Dict[str, Any]]:
        return [copy.deepcopy(g) for g in self._golongan
                if include_internasional or g.get("jenis", "nasional") == "nasional"]

    def sim_class(self, kelas: str) -> Optional[Dict[str, Any]]:
        """One class record ("A", "sim c", ...), used for per-class follow-up answers."""
        canon = self.resolve_sim_class(kelas) if kelas else None
        for g in self._golongan:
            if g["kelas"] == canon:
                return copy.deepcopy(g)
        return None

    def resolve_sim_class(self, text: Optional[str]) -> Optional[str]:
        if not text or not isinstance(text, str):
            return None
        t = _norm_space(text)
        t = re.sub(r"[^\w\s]", " ", t)
        t = _norm_space(t)
        candidates = [t]
        stripped = re.sub(r"^(sim|surat izin mengemudi|golongan|gol|jenis|kelas|yang)\s+", "", t)
        stripped = re.sub(r"^(sim|golongan|gol)\s+", "", stripped)
        candidates += [stripped, stripped.replace(" ", "")]
        for c in candidates:
            if c in self._alias:
                return self._alias[c]
        # "b 1 umum" / "b1umum" / roman numerals: normalise 1->I, 2->II
        roman = re.sub(r"(?<=[bc])\s*2", "ii", stripped.replace(" ", ""))
        roman = re.sub(r"(?<=[bc])\s*1", "i", roman)
        if roman in self._alias:
            return self._alias[roman]
        # longest alias contained as whole words in the text ("saya mau bikin sim motor")
        best = None
        for alias, kelas in self._alias.items():
            if len(alias) < 3 or alias in _AMBIGUOUS_IN_SENTENCE:
                continue
            if re.search(r"(?<!\w)" + re.escape(alias) + r"(?!\w)", t):
                if best is None or len(alias) > len(best[0]):
                    best = (alias, kelas)
        return best[1] if best else None

    def sim_fee(self, kelas: str, layanan: str) -> Optional[Dict[str, Any]]:
        canon = self.resolve_sim_class(kelas)
        lay = _norm_space(layanan or "")
        if lay in ("baru", "bikin", "buat", "pembuatan", "pembuatan baru", "sim baru", "new"):
            lay = "baru"
        elif lay in ("perpanjang", "perpanjangan", "memperpanjang", "diperpanjang", "extend",
                     "renewal", "perpanjang sim"):
            lay = "perpanjang"
        else:
            return None
        g = next((g for g in self._golongan if g["kelas"] == canon), None)
        if g is None:
            return None
        meta = self._by_id.get("sim.biaya") or {}
        return {
            "jumlah": int(g["biaya"][lay]),
            "kelas": g["kelas"],
            "layanan": lay,
            "dasar_hukum": list(meta.get("dasar_hukum", [])),
            "sumber": list(meta.get("sumber", [])),
            "berlaku_sejak": meta.get("berlaku_sejak"),
            "kepastian": meta.get("kepastian", "belum_pasti"),
            "catatan": meta.get("catatan", ""),
        }

    # ---------- pasal ----------
    def pasal_records(self) -> List[Dict[str, Any]]:
        return copy.deepcopy(self._pasal)

    def normalize_uu(self, text: Optional[str]) -> Optional[str]:
        if not text or not isinstance(text, str):
            return None
        if text in UU_CANONICAL:
            return text
        t = _norm_space(text.replace(".", " ").replace("-", " ")).replace("  ", " ")
        t2 = _norm_space(text)
        for cand in (t2, t, t.replace("nomor ", "").replace("no ", "")):
            if cand in _UU_ALIASES:
                return _UU_ALIASES[cand]
        for canon in UU_CANONICAL:
            if canon.lower() == t2:
                return canon
        return None

    def _uu_filter(self, uu: Optional[str]) -> Optional[set]:
        if uu is None or (isinstance(uu, str) and not uu.strip()):
            return None
        if _norm_space(uu) in _KUHP_BOTH:
            return {"KUHP baru", "KUHP lama"}
        canon = self.normalize_uu(uu)
        return {canon} if canon else set()

    def find_pasal(self, nomor: str, uu: Optional[str] = None) -> List[Dict[str, Any]]:
        parsed = parse_pasal_number(nomor) if isinstance(nomor, (str, int)) else None
        if parsed is None:
            return []
        base, ayat = parsed
        allowed = self._uu_filter(uu)
        if allowed is not None and not allowed:
            return []
        exact: List[Dict[str, Any]] = []
        loose: List[Dict[str, Any]] = []
        for rec in self._pasal:
            hit = None
            for kode in rec["kode"]:
                if allowed is not None and kode["uu"] not in allowed:
                    continue
                kp = parse_pasal_number(kode["nomor"])
                if kp is None or kp[0] != base:
                    continue
                if ayat is None or kp[1] == ayat:
                    hit = "exact"
                    break
                if kp[1] is None:
                    hit = hit or "loose"
            if hit == "exact":
                exact.append(rec)
            elif hit == "loose":
                loose.append(rec)
        return copy.deepcopy(exact or loose)

    def search_pasal(self, text: str, limit: int = 3,
                     cutoff: float = FUZZY_CUTOFF) -> List[Tuple[Dict[str, Any], float]]:
        if not text or not isinstance(text, str):
            return []
        words = [_SEARCH_NORMS.get(w, w) for w in default_process(text).split() if w not in _STOPWORDS]
        query = " ".join(words)
        if not query:
            return []
        margin = FUZZY_MARGIN
        best: Dict[str, Tuple[float, Dict[str, Any]]] = {}
        for phrase, rec in self._search_index:
            s_set = fuzz.token_set_ratio(query, phrase)
            if s_set < cutoff - 10:
                continue
            s_sort = fuzz.token_sort_ratio(query, phrase)
            score = 0.75 * s_set + 0.25 * s_sort
            # Short one-word keywords must match closely to count (avoid "curi" ~ "cari").
            if " " not in phrase and s_set < 100 and len(phrase) <= 5:
                continue
            prev = best.get(rec["id"])
            if prev is None or score > prev[0]:
                best[rec["id"]] = (score, rec)
        # ties: the article in force under the KUHP baru first, then by id (deterministic)
        ranked = sorted(best.values(), key=lambda x: (
            -round(x[0], 1),
            0 if any(k["uu"] == "KUHP baru" for k in x[1]["kode"]) else 1,
            x[1]["id"],
        ))
        top = ranked[0][0] if ranked else 0.0
        out = [(copy.deepcopy(rec), round(score, 1)) for score, rec in ranked
               if score >= cutoff and score >= top - margin]
        return out[: max(0, int(limit))]

    def kategori_denda(self) -> List[Dict[str, Any]]:
        return copy.deepcopy(self._kategori)

    def denda_maks(self, kategori: Optional[str]) -> Optional[int]:
        for k in self._kategori:
            if k["kategori"] == kategori:
                return int(k["maks"])
        return None

    # ---------- layanan / local ----------
    def emergency_numbers(self) -> List[Dict[str, Any]]:
        return copy.deepcopy(self._darurat)

    def local(self, key: str) -> Any:
        if not key or not isinstance(key, str):
            return None
        node: Any = self._config
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return copy.deepcopy(_clean(node))

    def active_operations(self, today: Optional[_dt.date] = None) -> List[Dict[str, Any]]:
        """Operations from config whose mulai <= today <= selesai."""
        today = today or _dt.date.today()
        out = []
        for op in self._config.get("operasi_aktif") or []:
            if _dt.date.fromisoformat(op["mulai"]) <= today <= _dt.date.fromisoformat(op["selesai"]):
                out.append(copy.deepcopy(op))
        return out

    def upcoming_sim_keliling(self, today: Optional[_dt.date] = None) -> List[Dict[str, Any]]:
        """SIM keliling rows from config; dated rows in the past are dropped."""
        today = today or _dt.date.today()
        out = []
        for row in self._config.get("sim_keliling") or []:
            tgl = row.get("tanggal")
            if tgl and _dt.date.fromisoformat(tgl) < today:
                continue
            out.append(copy.deepcopy(row))
        return out


def load_kb(data_dir: Optional[os.PathLike] = None,
            config_path: Optional[os.PathLike] = None) -> KnowledgeBase:
    """Load (cached per paths) and validate the knowledge base.

    Files are re-read when their modification time changes, so operators can edit
    config/polres.yml without a restart. If a reload fails but an earlier valid version is
    cached, the earlier version is kept (and the error logged); a first load raises
    KnowledgeError.
    """
    d, c = loader.resolve_paths(data_dir, config_path)
    return loader.load_cached(d, c, KnowledgeBase)
