"""Small internal HTTP API of the report store (aiohttp; runs in `.venv/bridge` only).

`make_app(store, token)` returns an aiohttp Application; the Matrix bridge mounts it in its own
process, `python -m reports` runs it standalone on 127.0.0.1. See reports/README.md.
"""
from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Union

from aiohttp import web

from . import access, config, schema, vocabulary
from . import outbox as outbox_mod
from .notify_web import WebNotifier
from .store import ReportNotFound, ReportStore, TransitionInvalid

logger = logging.getLogger(__name__)

Callback = Optional[Callable[[Dict[str, Any]], Union[None, Awaitable[None]]]]

STORE_KEY = (web.AppKey("reports.store", ReportStore) if hasattr(web, "AppKey")
             else "reports.store")
NOTIFIER_KEY = (web.AppKey("reports.web_notifier", WebNotifier) if hasattr(web, "AppKey")
                else "reports.web_notifier")
# set on a request made with the chat token (chat_scope): its lists are status views
CHAT_SCOPE = (web.RequestKey("reports.chat_scope", bool) if hasattr(web, "RequestKey")
              else "reports.chat_scope")


def _json(status: int, body: Dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False),
                        content_type="application/json")


def _err(status: int, error: str, pesan: str, **extra: Any) -> web.Response:
    return _json(status, {"error": error, "pesan": pesan, **extra})


async def _call(cb: Callback, report: Dict[str, Any], what: str) -> None:
    if cb is None:
        return
    try:
        res = cb(report)
        if inspect.isawaitable(res):
            await res
    except Exception:  # noqa: BLE001 - a hook must never break the API answer
        logger.exception("%s hook failed for %s", what, report.get("id"))


def make_app(store: ReportStore, token: str, on_created: Callback = None, on_status: Callback = None,
             *, background: bool = True, rasa_url: Optional[str] = None,
             outbox_path: Optional[Union[str, Path]] = None, outbox_interval: float = 15.0,
             notify_interval: float = 3.0, chat_token: Optional[str] = None) -> web.Application:
    """Build the report API.

    on_created(report) / on_status(report): optional sync or async hooks run after the commit
    (the durable path is the store's notification outbox). background=True also runs, while the
    app is up, the outbox ingestion (on start and every `outbox_interval` s) and the delivery of
    web-chat status notifications to Rasa (`rasa_url`).
    """
    if not token or len(token) < 16:
        raise ValueError("the report API needs a token of at least 16 characters")
    expected = f"Bearer {token}".encode()
    chat = f"Bearer {chat_token}".encode() if chat_token else None  # see chat_scope
    loop_run = lambda fn, *a, **kw: asyncio.get_running_loop().run_in_executor(  # noqa: E731
        None, lambda: fn(*a, **kw))

    notifier = WebNotifier(store, rasa_url=rasa_url, interval=notify_interval)
    outbox = Path(outbox_path) if outbox_path else config.outbox_path()

    @web.middleware
    async def errors_and_auth(request: web.Request, handler):
        if request.path.startswith("/v1/"):
            got = request.headers.get("Authorization", "").encode()
            if not (hmac.compare_digest(got, expected) or (chat and hmac.compare_digest(got, chat))):
                return _err(401, "unauthorized", "Akses ditolak: token tidak valid atau tidak ada.")
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status == 404:
                return _err(404, "not_found", "Alamat tidak ditemukan.")
            if exc.status == 405:
                return _err(405, "method_not_allowed", "Metode tidak diizinkan.")
            if exc.status == 413:
                return _err(413, "too_large", "Data terlalu besar.")
            raise
        except Exception:  # noqa: BLE001
            logger.exception("report API error on %s %s", request.method, request.path)
            return _err(500, "internal", "Terjadi gangguan pada layanan laporan. Silakan coba lagi.")

    @web.middleware
    async def chat_scope(request: web.Request, handler):
        """The chat token (the action server's) may only create reports, check a status
        (/cek) and list one reporter's reports as status views: no report by id, no
        enumeration, no status changes (docs/privacy.md)."""
        got = request.headers.get("Authorization", "").encode()
        if chat is None or not request.path.startswith("/v1/") or not hmac.compare_digest(got, chat):
            return await handler(request)
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else ""
        allowed = ((request.method, route) in (("POST", "/v1/reports"), ("POST", "/v1/reports/{id}/cek"),
                                               # human handoff (handoff/api.py): a citizen asks for
                                               # an officer / writes while handed off
                                               ("POST", "/v1/handoff"), ("POST", "/v1/handoff/pesan"))
                   or (request.method == "GET" and route == "/v1/reports"
                       and request.query.get("pelapor") and request.query.get("kanal")))
        if not allowed:
            return _err(403, "forbidden", "Akses ditolak untuk token ini.")
        request[CHAT_SCOPE] = True
        return await handler(request)

    async def read_json(request: web.Request) -> Any:
        try:
            data = await request.json(loads=json.loads)
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # "\ud800" parses but cannot be stored
        except (ValueError, UnicodeError, RecursionError) as exc:  # RecursionError: [[[[...]]]]
            raise schema.ReportInvalid("laporan", "Data laporan harus berupa JSON yang valid.") from exc
        return data

    async def health(request: web.Request) -> web.Response:
        return _json(200, {"status": "ok"})

    async def create(request: web.Request) -> web.Response:
        try:
            payload = await read_json(request)
            report, created, kode = await loop_run(store.create_with_code, payload)
        except schema.ReportInvalid as exc:
            return _json(400, exc.to_dict())
        if created:
            await _call(on_created, report, "on_created")
        body = {"id": report["id"], "status": report["status"], "created": created}
        if kode:
            body["kode"] = kode  # the reporter's status code, returned once
        return _json(201 if created else 200, body)

    async def get_one(request: web.Request) -> web.Response:
        rid = request.match_info["id"].upper()
        report = await loop_run(store.get, rid)
        if report is None:
            return _err(404, "not_found", f"Laporan {rid} tidak ditemukan.")
        report["riwayat"] = await loop_run(store.history, rid)
        return _json(200, report)

    async def list_reports(request: web.Request) -> web.Response:
        q = request.query
        try:
            limit = int(q.get("limit", 50))
            offset = int(q.get("offset", 0))
        except ValueError:
            return _err(400, "invalid", "Parameter limit/offset harus berupa angka.", field="limit")
        status, jenis, kanal = q.get("status"), q.get("jenis"), q.get("kanal")
        if status and status not in vocabulary.STATUS:
            return _err(400, "invalid", "Status tidak dikenal.", field="status")
        if jenis and jenis not in vocabulary.JENIS:
            return _err(400, "invalid", "Jenis kejadian tidak dikenal.", field="jenis")
        if kanal and kanal not in vocabulary.KANAL:
            return _err(400, "invalid", "Kanal tidak dikenal.", field="kanal")
        reports = await loop_run(store.list, status=status, jenis=jenis, kanal=kanal,
                                 pelapor=q.get("pelapor") or None, limit=limit, offset=offset)
        if request.get(CHAT_SCOPE, False):  # the chat sees a reporter's statuses, not the reports
            reports = [access.status_view(r, reporter=True) for r in reports]
        return _json(200, {"reports": reports})

    async def check_status(request: web.Request) -> web.Response:
        """A report's status for its reporter ({"pelapor", "kanal"}) or the holder of its code
        ({"kode"}); one 404 for "no such report" and "not yours" (reports/access.py)."""
        rid = request.match_info["id"].upper()
        try:
            body = await read_json(request)
        except schema.ReportInvalid as exc:
            return _json(400, exc.to_dict())
        if not isinstance(body, dict):
            return _json(400, schema.ReportInvalid("laporan", "Data harus berupa objek JSON.").to_dict())
        ask = {k: body.get(k) if isinstance(body.get(k), str) else None for k in ("pelapor", "kanal", "kode")}
        view = await loop_run(store.status_for, rid, **ask)
        if view is None:
            return _err(404, "not_found", f"Laporan {rid} tidak ditemukan.")
        return _json(200, view)

    async def set_status(request: web.Request) -> web.Response:
        rid = request.match_info["id"].upper()
        try:
            data = schema.validate_status_update(await read_json(request))
        except schema.ReportInvalid as exc:
            return _json(400, exc.to_dict())
        before = await loop_run(store.get, rid)
        if before is None:
            return _err(404, "not_found", f"Laporan {rid} tidak ditemukan.")
        try:
            report = await loop_run(store.update_status, rid, data["status"], data["oleh"], data["alasan"])
        except ReportNotFound as exc:
            return _err(404, "not_found", exc.pesan)
        except TransitionInvalid as exc:
            if exc.field in ("alasan", "oleh"):
                return _json(400, {"error": "invalid", "field": exc.field, "pesan": exc.pesan})
            return _err(409, "transition", exc.pesan)
        if report["status"] != before["status"]:
            notifier.wake.set()
            await _call(on_status, report, "on_status")
        return _json(200, report)

    async def background_ctx(app: web.Application):
        tasks = []
        if background:
            async def outbox_loop():
                while True:
                    try:
                        n = await loop_run(outbox_mod.ingest, store, outbox)
                        if n:
                            notifier.wake.set()
                    except asyncio.CancelledError:
                        raise
                    except Exception:  # noqa: BLE001
                        logger.exception("outbox ingestion failed; retrying")
                    await asyncio.sleep(outbox_interval)

            tasks = [asyncio.create_task(outbox_loop()), asyncio.create_task(notifier.run())]
        yield
        for t in tasks:
            t.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=10)
            for t in pending:
                logger.error("background task %r did not stop within 10 s", t)

    app = web.Application(middlewares=[errors_and_auth, chat_scope], client_max_size=1024 * 1024)
    app[STORE_KEY] = store
    app[NOTIFIER_KEY] = notifier
    app.cleanup_ctx.append(background_ctx)
    app.router.add_get("/health", health)
    app.router.add_post("/v1/reports", create)
    app.router.add_get("/v1/reports", list_reports)
    app.router.add_get("/v1/reports/{id}", get_one)
    app.router.add_post("/v1/reports/{id}/status", set_status)
    app.router.add_post("/v1/reports/{id}/cek", check_status)
    return app
