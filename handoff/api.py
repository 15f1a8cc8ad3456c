"""HTTP routes of the handoff service, mounted in the Kamtibmas service's internal API (the
report API app on 127.0.0.1:8090, whose middleware checks the bearer token on /v1/).

  POST /v1/handoff          {kanal, warga, subjek, giliran: [{dari, teks}]}
                            -> {id, kode, status, baru, pesan}   (pesan: what the citizen reads)
  POST /v1/handoff/pesan    {kanal, warga, teks, sumber}
                            -> {aktif: false} (the bot answers) | {aktif: true, balasan: [...]}
  GET  /v1/handoff          open tickets;  GET /v1/handoff/{id}: one ticket with its transcript

`service` is matrix_bridge.handoff.HandoffService (duck-typed: request, citizen_message, store).
"""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

KANAL = ("web", "matrix")
MAX_TEXT = 4000


def _json(status: int, body: Any) -> web.Response:
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False),
                        content_type="application/json")


def _bad(field: str, pesan: str) -> web.Response:
    return _json(400, {"error": "invalid", "field": field, "pesan": pesan})


async def _body(request: web.Request) -> dict | None:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _common(data: dict | None) -> web.Response | None:
    if data is None:
        return _bad("body", "Data harus berupa objek JSON.")
    if data.get("kanal") not in KANAL:
        return _bad("kanal", "Kanal harus web atau matrix.")
    if not isinstance(data.get("warga"), str) or not data["warga"].strip():
        return _bad("warga", "Pengenal warga wajib diisi.")
    return None


def add_routes(app: web.Application, service) -> None:
    async def create(request: web.Request) -> web.Response:
        data = await _body(request)
        problem = _common(data)
        if problem:
            return problem
        giliran = data.get("giliran") or []
        if not isinstance(giliran, list) or not all(isinstance(g, dict) for g in giliran):
            return _bad("giliran", "Giliran harus berupa daftar objek {dari, teks}.")
        subjek = str(data.get("subjek") or "").strip()[:300] or "(tidak disebutkan)"
        result = await service.request(data["kanal"], data["warga"], subjek,
                                       [{"dari": str(g.get("dari") or ""),
                                         "teks": str(g.get("teks") or "")[:500]} for g in giliran[-8:]])
        return _json(201 if result["baru"] else 200, result)

    async def message(request: web.Request) -> web.Response:
        data = await _body(request)
        problem = _common(data)
        if problem:
            return problem
        teks = data.get("teks")
        if not isinstance(teks, str) or not teks.strip():
            return _bad("teks", "Pesan kosong.")
        result = await service.citizen_message(data["kanal"], data["warga"], teks[:MAX_TEXT],
                                               sumber=str(data.get("sumber") or "") or None)
        return _json(200, {"aktif": False} if result is None else {"aktif": True, **result})

    async def list_open(request: web.Request) -> web.Response:
        return _json(200, {"tiket": [service.store.public(t) for t in service.store.open_tickets()]})

    async def get_one(request: web.Request) -> web.Response:
        try:
            ticket = service.store.get(int(request.match_info["id"].upper().removeprefix("H-")))
        except ValueError:
            ticket = None
        if ticket is None:
            return _json(404, {"error": "not_found", "pesan": "Tiket tidak ditemukan."})
        return _json(200, service.store.public(ticket))

    app.router.add_post("/v1/handoff", create)
    app.router.add_post("/v1/handoff/pesan", message)
    app.router.add_get("/v1/handoff", list_open)
    app.router.add_get("/v1/handoff/{id}", get_one)
