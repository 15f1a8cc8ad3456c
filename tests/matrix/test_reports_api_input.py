"""No 5xx from input on the report API (issue 13): non-object JSON, wrong types, bad UTF-8, lone
surrogates, deep nesting and 1 MB bodies get a 4xx JSON error, and the API keeps serving.
Served for real on a free loopback port (aiohttp AppRunner), real SQLite in a temp dir."""
from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp import web

from devtools.net import free_port
from reports.api import make_app
from reports.store import open_store

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
GOOD = {"jenis": "bencana_alam", "lokasi": {"teks": "Desa Kalisalak, Limpung"}, "waktu": "barusan",
        "deskripsi": "Tanah longsor menutup separuh jalan desa.", "kanal": "web", "pelapor": "web-abc",
        "idempotency_key": "rasa:web-abc:1"}

BODIES = [b"null", b"[]", b'"x"', b"", b"7", b"{", b"\xff\xfe{}", '{"a": 1}'.encode("utf-16"),
          b"[" * 100_000 + b"]" * 100_000,
          json.dumps({**GOOD, "deskripsi": "Tanah longsor \ud800 menutup jalan desa."}).encode(),
          json.dumps({**GOOD, "jenis": ["x"], "lokasi": 5, "waktu": None, "kanal": 1,
                      "pelapor": {}}).encode(),
          json.dumps({**GOOD, "deskripsi": "x" * 1_000_000}).encode()[:1_000_000],
          b" " * 1_000_000, b"x" * 1_100_000]
STATUS_BODIES = [b"null", b"[1]", b"", json.dumps({"status": "diterima", "oleh": "\ud800"}).encode(),
                 json.dumps({"status": 5, "oleh": ["x"]}).encode(), b"[" * 100_000]


@pytest.mark.asyncio(loop_scope="function")
async def test_bad_bodies_get_4xx_json_and_the_api_keeps_serving(tmp_path):
    store = open_store(str(tmp_path / "reports.db"))
    runner = web.AppRunner(make_app(store, TOKEN, background=False, rasa_url="http://127.0.0.1:9",
                                    outbox_path=tmp_path / "outbox.jsonl"))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(base, headers=AUTH) as http:
            async with http.post("/v1/reports", json=GOOD) as r:
                assert r.status == 201
                rid = (await r.json())["id"]
            targets = [("/v1/reports", b) for b in BODIES] + \
                      [(f"/v1/reports/{rid}/status", b) for b in STATUS_BODIES] + \
                      [(f"/v1/reports/{rid}/cek", b) for b in STATUS_BODIES]
            for path, body in targets:
                async with http.post(path, data=body) as r:
                    assert 400 <= r.status < 500, (path, body[:60], r.status, await r.text())
                    err = await r.json()
                    assert err["error"] and err["pesan"], err
            for query in ("limit=99999999999999999999999", "offset=-1", "limit=x", "pelapor=%ED%A0%80",
                          "status=%FF"):
                async with http.get(f"/v1/reports?{query}") as r:
                    assert r.status < 500, (query, r.status)
            async with http.get("/v1/reports/%ED%A0%80") as r:
                assert r.status == 404
            async with http.get(f"/v1/reports/{rid}") as r:   # still serving, nothing changed
                assert r.status == 200 and (await r.json())["status"] == "baru"
    finally:
        await runner.cleanup()
        store.close()
