"""privacy.masking and reports.query on a real SQLite store (no Synapse needed)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from privacy.masking import mask_report, mask_text
from reports import query


@pytest.mark.parametrize("text, hidden, shown", [
    ("NIK saya 3325011203850001 ya", "3325011203850001", "3325**********01"),
    ("nik 3325 0112 0385 0001", "0112 0385", "3325**********01"),
    ("hubungi 0812-3456-7890", "3456-7890", "0812******90"),
    ("wa +62 812 3456 7890", "3456 7890", "+62812******90"),
    ("email budi.santoso@mail.co.id", "budi.santoso", "b***@mail.co.id"),
])
def test_masking_hides_personal_data(text, hidden, shown):
    out = mask_text(text)
    assert hidden not in out and shown in out


@pytest.mark.parametrize("text", [
    "Jl. Raya 12 no 45 RT 03/04", "pukul 14.30 tanggal 12-11-2026", "LK-2026-000123",
    "koordinat -6.90712, 109.73", "2 orang luka, 100 meter dari pasar", "telp kantor (0285) 391234",
])
def test_masking_leaves_ordinary_text(text):
    assert mask_text(text) == text


def test_mask_report_masks_every_free_text_field():
    r = {"id": "LK-2026-000001", "deskripsi": "hp 081234567890", "lokasi": {"teks": "rumah 081234567890",
         "lat": -6.9, "lon": 109.7}, "pelapor_nama": "Budi 081234567890", "alasan": None, "waktu": "barusan"}
    out = mask_report(r)
    assert "081234567890" not in str(out)
    assert out["lokasi"]["lat"] == -6.9 and out["id"] == r["id"]
    assert r["deskripsi"] == "hp 081234567890"  # the input is not changed


def _make(store, i, **kw):
    payload = {"jenis": "bencana_alam", "lokasi": {"teks": f"Desa {i}"}, "waktu": "barusan",
               "deskripsi": f"Banjir ke-{i} 100% parah_sekali", "kanal": "web", "pelapor": f"w{i}",
               "idempotency_key": f"q:{i}"}
    payload.update(kw)
    return store.create(payload)[0]


def test_filter_validation_messages():
    with pytest.raises(query.FilterInvalid) as e:
        query.parse_filter({"status": "dibuang"})
    assert e.value.field == "status" and "tidak dikenal" in e.value.pesan
    with pytest.raises(query.FilterInvalid):
        query.parse_filter({"dari": "2026-11-30", "sampai": "2026-11-01"})
    with pytest.raises(query.FilterInvalid):
        query.parse_filter({"q": "x" * 201})
    f = query.parse_filter({"status": ["baru,diterima", "baru"], "dari": "2026-11-01",
                            "sampai": "2026-11-30"})
    assert f.status == ("baru", "diterima")
    assert f.dari == "2026-11-01T00:00:00+07:00" and f.sampai == "2026-12-01T00:00:00+07:00"


def test_search_escapes_like_wildcards(store):
    _make(store, 1)
    _make(store, 2, deskripsi="Banjir biasa tanpa tanda persen")
    assert query.search(store, query.parse_filter({"q": "100%"}))[0] == 1
    assert query.search(store, query.parse_filter({"q": "parah_sekali"}))[0] == 1
    assert query.search(store, query.parse_filter({"q": "%"}))[0] == 1
    assert query.search(store, query.parse_filter({"q": "BANJIR"}))[0] == 2


def test_stats_first_response_and_sla(store):
    a = _make(store, 1)
    b = _make(store, 2)
    _make(store, 3, jenis="lainnya")
    store.update_status(a["id"], "diterima", "@op:x")
    # b is old and still open
    with store._tx() as cur:
        old = (datetime.fromisoformat(b["dibuat"]) - timedelta(hours=30)).isoformat(timespec="seconds")
        cur.execute("UPDATE reports SET dibuat = ? WHERE id = ?", (old, b["id"]))
    st = query.stats(store, query.parse_filter({}), sla_jam=24)
    assert st["total"] == 3
    assert st["per_jenis"]["bencana_alam"] == 2 and st["per_jenis"]["lainnya"] == 1
    assert st["tanggapan"]["dijawab"] == 1 and st["tanggapan"]["belum_dijawab"] == 2
    assert st["sla"]["jumlah"] == 1 and st["sla"]["laporan"][0]["id"] == b["id"]
    assert sum(d["total"] for d in st["per_hari"]) == 3
    days = (datetime.fromisoformat(a["dibuat"]).date() - datetime.fromisoformat(old).date()).days
    assert len(st["per_hari"]) == days + 1  # contiguous days, empty ones as zeros
    detail = query.detail(store, a["id"].lower())
    assert [h["status"] for h in detail["riwayat"]] == ["baru", "diterima"]
    assert detail["tanggapan_pertama"] == detail["riwayat"][1]["waktu"]
    v1 = query.version(store)
    store.update_status(a["id"], "ditangani", "@op:x")
    assert query.version(store) != v1
