"""One schema for incident reports (laporan) from Matrix and from the web chat: validation of new
reports and status updates, status transitions, report ids and shared locations.

Standard library + jsonschema only: imported by the Rasa action server (Python 3.10, jsonschema
4.17) and by the Matrix bridge (Python 3.11, jsonschema 4.26). Everything a user reads is
Indonesian; identifiers are English or the Indonesian domain words used in the data model.
"""
from __future__ import annotations

import copy
import re
import unicodedata
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

import jsonschema

from privacy.masking import is_contact

from .kinds import normalize_jenis
from .times import parse_waktu
from .vocabulary import JENIS, KANAL, LAMPIRAN_TIPE, STATUS, TRANSITIONS

ID_RE = re.compile(r"\bLK-(\d{4})-(\d{6})\b", re.IGNORECASE)

MAX_LOKASI = 300
MAX_WAKTU = 120
MAX_DESKRIPSI = 4000
MAX_LAMPIRAN = 10
MAX_KONTAK = 100

NEW_REPORT_SCHEMA: Dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Laporan baru",
    "type": "object",
    "required": ["jenis", "lokasi", "waktu", "deskripsi", "kanal", "pelapor", "idempotency_key"],
    "additionalProperties": False,
    "properties": {
        "jenis": {"type": "string", "enum": list(JENIS)},
        "lokasi": {
            "type": "object",
            "required": ["teks"],
            "additionalProperties": False,
            "properties": {
                "teks": {"type": "string", "minLength": 3, "maxLength": MAX_LOKASI},
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
            "dependencies": {"lat": ["lon"], "lon": ["lat"]},
        },
        "waktu": {"type": "string", "minLength": 1, "maxLength": MAX_WAKTU},
        "deskripsi": {"type": "string", "minLength": 5, "maxLength": MAX_DESKRIPSI},
        "lampiran": {
            "type": "array",
            "maxItems": MAX_LAMPIRAN,
            "items": {
                "type": "object",
                "required": ["url"],
                "additionalProperties": False,
                "properties": {
                    "url": {"type": "string", "pattern": r"^(mxc|https?)://\S+$", "maxLength": 2000},
                    "tipe": {"type": "string", "enum": list(LAMPIRAN_TIPE)},
                    "mimetype": {"type": "string", "maxLength": 200},
                    "nama": {"type": "string", "maxLength": 300},
                },
            },
        },
        "kanal": {"type": "string", "enum": list(KANAL)},
        "pelapor": {"type": "string", "minLength": 1, "maxLength": 255},
        "pelapor_nama": {"type": ["string", "null"], "maxLength": 255},
        "ruang": {"type": ["string", "null"], "maxLength": 255},
        # a phone number or e-mail address the reporter chose to give for a call-back: the one
        # field shown unmasked to operators (docs/privacy.md)
        "kontak": {"type": ["string", "null"], "maxLength": MAX_KONTAK},
        "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 255},
    },
}

STATUS_UPDATE_SCHEMA: Dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["status", "oleh"],
    "additionalProperties": False,
    "properties": {
        "status": {"type": "string", "enum": list(STATUS)},
        "oleh": {"type": "string", "minLength": 1, "maxLength": 255},
        "alasan": {"type": ["string", "null"], "maxLength": 1000},
    },
}

# Indonesian names of the fields, for error messages.
_FIELD_LABEL = {
    "jenis": "jenis kejadian",
    "lokasi": "lokasi kejadian",
    "lokasi.teks": "lokasi kejadian",
    "lokasi.lat": "koordinat lokasi (lintang)",
    "lokasi.lon": "koordinat lokasi (bujur)",
    "waktu": "waktu kejadian",
    "deskripsi": "keterangan kejadian",
    "lampiran": "lampiran",
    "kanal": "kanal laporan",
    "pelapor": "identitas pelapor",
    "pelapor_nama": "nama pelapor",
    "ruang": "ruang percakapan",
    "idempotency_key": "kunci laporan",
    "kontak": "kontak pelapor",
    "status": "status laporan",
    "oleh": "nama petugas",
    "alasan": "alasan",
}

_VALIDATOR = jsonschema.Draft7Validator(NEW_REPORT_SCHEMA)
_STATUS_VALIDATOR = jsonschema.Draft7Validator(STATUS_UPDATE_SCHEMA)


class ReportInvalid(ValueError):
    """A payload field is missing or wrong. `pesan` is an Indonesian sentence for the user."""

    def __init__(self, field: str, pesan: str):
        super().__init__(pesan)
        self.field = field
        self.pesan = pesan

    def to_dict(self) -> Dict[str, str]:
        return {"error": "invalid", "field": self.field, "pesan": self.pesan}


# --------------------------------------------------------------------------------------------
# validation
def _field_of(error: jsonschema.ValidationError) -> str:
    path = [str(p) for p in error.absolute_path if not isinstance(p, int)]
    if error.validator == "required":
        m = re.search(r"'([^']+)' is a required property", error.message)
        if m:
            path.append(m.group(1))
    elif error.validator == "additionalProperties":
        m = re.search(r"\('([^']+)'", error.message)
        if m:
            path.append(m.group(1))
    elif error.validator == "dependencies":
        path.append("lat" if "lat" in error.message and "lat" not in error.instance else "lon")
    return ".".join(path) or "laporan"


def _pesan_of(error: jsonschema.ValidationError, field: str) -> str:
    label = _FIELD_LABEL.get(field, field)
    v = error.validator
    if v == "required":
        return f"Mohon lengkapi {label}: bagian ini wajib diisi."
    if v == "additionalProperties":
        return f"Bagian '{field}' tidak dikenal dalam laporan."
    if v == "enum":
        if field == "jenis":
            pilihan = ", ".join(JENIS.values())
            return f"Jenis kejadian tidak dikenal. Pilih salah satu: {pilihan}."
        if field == "kanal":
            return "Kanal laporan harus 'matrix' atau 'web'."
        if field == "status":
            return "Status tidak dikenal. Pilihan: " + ", ".join(STATUS) + "."
        if field.startswith("lampiran"):
            return "Jenis lampiran harus foto, suara, video, atau berkas."
        return f"Nilai {label} tidak dikenal."
    if v == "minLength":
        if field == "deskripsi":
            return "Mohon ceritakan kejadiannya sedikit lebih lengkap (minimal 5 huruf)."
        if field == "lokasi.teks":
            return "Mohon sebutkan lokasi kejadian lebih jelas (misalnya nama jalan, desa, atau patokan)."
        return f"Mohon lengkapi {label}: bagian ini tidak boleh kosong."
    if v == "maxLength":
        return f"{label.capitalize()} terlalu panjang (maksimal {error.validator_value} karakter)."
    if v == "maxItems":
        return f"Lampiran terlalu banyak (maksimal {error.validator_value} berkas)."
    if v in ("minimum", "maximum"):
        return f"{label.capitalize()} di luar rentang yang benar."
    if v == "pattern" and field.startswith("lampiran"):
        return "Alamat lampiran tidak valid (harus mxc://, http:// atau https://)."
    if v == "dependencies":
        return "Koordinat lokasi harus berisi lintang dan bujur sekaligus."
    if v == "type":
        if field == "laporan":
            return "Data laporan harus berupa objek JSON."
        return f"Format {label} tidak sesuai."
    return f"Isian {label} tidak valid."


def _first_error(validator: jsonschema.Draft7Validator, payload: Any) -> Optional[ReportInvalid]:
    errors = sorted(validator.iter_errors(payload), key=lambda e: (list(e.absolute_path), e.validator))
    if not errors:
        return None
    # prefer the most specific error (deepest path), then a stable order
    err = max(errors, key=lambda e: len(e.absolute_path))
    err = next(e for e in errors if len(e.absolute_path) == len(err.absolute_path))
    field = _field_of(err)
    return ReportInvalid(field, _pesan_of(err, field))


def _clean_str(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"[ \t]+", " ", unicodedata.normalize("NFKC", value)).strip()
    return value


def _tipe_dari_mime(mimetype: Optional[str]) -> Optional[str]:
    if not mimetype:
        return None
    if mimetype.startswith("image/"):
        return "foto"
    if mimetype.startswith("audio/"):
        return "suara"
    if mimetype.startswith("video/"):
        return "video"
    return "berkas"


def validate_new(payload: Any, now: Optional[datetime] = None) -> Dict[str, Any]:
    """Validate and normalise a new-report payload.

    Returns a new dict (strings stripped, `lokasi` as object, `lampiran` as objects, `jenis`
    canonical, plus `waktu_iso`). Raises ReportInvalid(field, pesan) naming the first bad field.
    """
    if not isinstance(payload, dict):
        raise ReportInvalid("laporan", "Data laporan harus berupa objek JSON.")
    data = copy.deepcopy(payload)
    for key in ("jenis", "waktu", "deskripsi", "kanal", "pelapor", "pelapor_nama", "ruang",
                "idempotency_key", "kontak"):
        if key in data:
            data[key] = _clean_str(data[key])
    for key in ("ruang", "pelapor_nama", "kontak"):
        if data.get(key) == "":
            data[key] = None
    if isinstance(data.get("jenis"), str) and data["jenis"] not in JENIS:
        mapped = normalize_jenis(data["jenis"])
        if mapped:
            data["jenis"] = mapped
    if isinstance(data.get("kanal"), str):
        data["kanal"] = data["kanal"].lower()
    lokasi = data.get("lokasi")
    if isinstance(lokasi, str):
        data["lokasi"] = {"teks": _clean_str(lokasi)}
    elif isinstance(lokasi, dict):
        lokasi = dict(lokasi)
        if "teks" in lokasi:
            lokasi["teks"] = _clean_str(lokasi["teks"])
        for k in ("lat", "lon"):
            if lokasi.get(k) is None:
                lokasi.pop(k, None)
        data["lokasi"] = lokasi
    lampiran = data.get("lampiran")
    if lampiran is None:
        data.pop("lampiran", None)
    elif isinstance(lampiran, list):
        norm = []
        for item in lampiran:
            if isinstance(item, str):
                item = {"url": item.strip()}
            elif isinstance(item, dict):
                item = {k: _clean_str(v) for k, v in item.items() if v is not None}
                if "tipe" not in item and _tipe_dari_mime(item.get("mimetype")):
                    item["tipe"] = _tipe_dari_mime(item.get("mimetype"))
            norm.append(item)
        data["lampiran"] = norm
    err = _first_error(_VALIDATOR, data)
    if err:
        raise err
    # bool is a subclass of int: reject True/False as coordinates
    for k in ("lat", "lon"):
        if isinstance(data["lokasi"].get(k), bool):
            raise ReportInvalid(f"lokasi.{k}", "Format koordinat lokasi tidak sesuai.")
    data.setdefault("lampiran", [])
    data.setdefault("pelapor_nama", None)
    data.setdefault("ruang", None)
    data.setdefault("kontak", None)
    if data["kontak"] is not None and not is_contact(data["kontak"]):
        raise ReportInvalid("kontak", "Kontak pelapor harus berupa nomor telepon atau alamat e-mail.")
    data["waktu_iso"] = parse_waktu(data["waktu"], now)
    return data


def validate_status_update(payload: Any) -> Dict[str, Any]:
    """Validate `{"status", "oleh", "alasan"?}`; raises ReportInvalid."""
    if not isinstance(payload, dict):
        raise ReportInvalid("laporan", "Data harus berupa objek JSON.")
    data = {k: _clean_str(v) for k, v in payload.items()}
    if isinstance(data.get("status"), str):
        data["status"] = data["status"].lower()
    err = _first_error(_STATUS_VALIDATOR, data)
    if err:
        raise err
    if not data.get("alasan"):
        data["alasan"] = None
    return data


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def transition_error(current: str, new: str, alasan: Optional[str] = None) -> Optional[str]:
    """Indonesian reason why current → new is not allowed, or None when it is."""
    if new not in STATUS:
        return "Status tidak dikenal. Pilihan: " + ", ".join(STATUS) + "."
    if not can_transition(current, new):
        boleh = sorted(TRANSITIONS.get(current, ()))
        if not boleh:
            return (f"Laporan sudah berstatus '{STATUS[current]}' dan tidak bisa diubah lagi.")
        return (f"Status tidak bisa diubah dari '{STATUS[current]}' ke '{STATUS[new]}'. "
                f"Pilihan yang bisa: {', '.join(boleh)}.")
    if new == "ditolak" and not (alasan and alasan.strip()):
        return "Penolakan laporan wajib disertai alasan."
    return None


def parse_geo_uri(uri: str) -> Tuple[float, float]:
    """Matrix m.location `geo_uri` (RFC 5870, e.g. 'geo:-6.91,109.73;u=35') → (lat, lon)."""
    m = re.match(r"^geo:\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)(?:\s*,\s*-?\d+(?:\.\d+)?)?(?:;.*)?$",
                 (uri or "").strip(), re.IGNORECASE)
    if not m:
        raise ReportInvalid("lokasi", "Lokasi yang dibagikan tidak bisa dibaca. Mohon tuliskan alamatnya.")
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ReportInvalid("lokasi", "Koordinat lokasi di luar rentang yang benar.")
    return lat, lon


def find_ids(text: Optional[str]) -> List[str]:
    """All report ids in a text, upper-cased, in order, without duplicates."""
    seen: List[str] = []
    for m in ID_RE.finditer(text or ""):
        rid = f"LK-{m.group(1)}-{m.group(2)}"
        if rid not in seen:
            seen.append(rid)
    return seen
