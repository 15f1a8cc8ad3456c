"""The one HTTP client of the report API (reports/api.py), with the outbox fallback.

Used by the Rasa action server (actions/lapor.py) and by tools. aiohttp only (both venvs have it).
`submit` creates a report; when the API cannot be reached (or answers with a server error) the
report goes to the JSONL outbox (reports/outbox.py) that the report service ingests later, so
nothing is lost. Lookups raise `ReportApiUnavailable` when the API cannot answer.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote, urlencode

import aiohttp

from . import config, outbox

logger = logging.getLogger(__name__)

HTTP_TIMEOUT = 10.0
_UNREACHABLE = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


class ReportApiUnavailable(RuntimeError):
    """The report API could not be reached or did not answer as expected."""


@dataclass
class Submission:
    """What became of a submitted report.

    outcome: "created" (report_id set), "invalid" (pesan = the API's Indonesian reason),
    "queued" (in the outbox, the id follows once ingested) or "lost" (the outbox could not be
    written either; the payload is in the log).
    """
    outcome: str
    report_id: Optional[str] = None
    pesan: Optional[str] = None
    kode: Optional[str] = None  # the reporter's status code (only when this call created it)


class ReportClient:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None,
                 outbox_path: Optional[os.PathLike | str] = None, timeout: float = HTTP_TIMEOUT):
        self.base_url = (base_url or config.api_url()).rstrip("/")
        self.token = token if token is not None else config.client_token()
        self.outbox_path = Path(outbox_path) if outbox_path else config.outbox_path()
        self.timeout = timeout

    def _headers(self) -> Dict[str, str]:
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    async def request(self, method: str, path: str, body: Any = None) -> Tuple[int, Any]:
        """(HTTP status, JSON body or None); raises ReportApiUnavailable when unreachable."""
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as s:
                async with s.request(method, self.base_url + path, headers=self._headers(),
                                     data=None if body is None else json.dumps(body)) as resp:
                    try:
                        data = await resp.json(content_type=None)
                    except (ValueError, aiohttp.ContentTypeError):
                        data = None
                    return resp.status, data
        except _UNREACHABLE as exc:
            raise ReportApiUnavailable(f"report API unreachable: {exc!r}") from exc

    # ------------------------------------------------------------------ create
    async def submit(self, payload: Dict[str, Any]) -> Submission:
        """Create a report (idempotent by its idempotency_key); queue it when the API is down."""
        try:
            status, data = await self.request("POST", "/v1/reports", payload)
        except ReportApiUnavailable as exc:
            logger.error("%s; queueing report of %s", exc, payload.get("pelapor"))
            return self.queue(payload)
        if status in (200, 201) and isinstance(data, dict) and data.get("id"):
            return Submission("created", report_id=data["id"], kode=data.get("kode"))
        if status == 400 and isinstance(data, dict):
            return Submission("invalid", pesan=data.get("pesan"))
        logger.error("report API answered %s %s; queueing report of %s", status, data,
                     payload.get("pelapor"))
        return self.queue(payload)

    def queue(self, payload: Dict[str, Any]) -> Submission:
        try:
            outbox.append(self.outbox_path, payload)
        except OSError:
            # Last resort: the full report goes to the log, so staff can recover it.
            logger.exception("OUTBOX WRITE FAILED, report payload follows: %s",
                             json.dumps(payload, ensure_ascii=False))
            return Submission("lost")
        return Submission("queued")

    def queued_for(self, pelapor: str) -> int:
        """How many reports of this sender still wait in the outbox."""
        return outbox.queued_for(self.outbox_path, pelapor)

    # ------------------------------------------------------------------ lookups
    async def get(self, report_id: str) -> Optional[Dict[str, Any]]:
        """The report, or None when there is no such report."""
        status, data = await self.request("GET", f"/v1/reports/{quote(report_id, safe='')}")
        if status == 404:
            return None
        if status != 200 or not isinstance(data, dict):
            raise ReportApiUnavailable(f"report API answered {status}")
        return data

    async def status_of(self, report_id: str, *, pelapor: Optional[str] = None,
                        kanal: Optional[str] = None, kode: Optional[str] = None
                        ) -> Optional[Dict[str, Any]]:
        """The status of a report for its reporter (pelapor + kanal) or the holder of its code;
        None when there is no such report or it is not theirs (the API answers both alike)."""
        body = {k: v for k, v in (("pelapor", pelapor), ("kanal", kanal), ("kode", kode)) if v}
        status, data = await self.request("POST", f"/v1/reports/{quote(report_id, safe='')}/cek", body)
        if status == 404:
            return None
        if status != 200 or not isinstance(data, dict):
            raise ReportApiUnavailable(f"report API answered {status}")
        return data

    async def reports_of(self, pelapor: str, kanal: str, limit: int = 10) -> List[Dict[str, Any]]:
        """The newest reports of one reporter on one channel."""
        query = urlencode({"pelapor": pelapor, "kanal": kanal, "limit": limit}, quote_via=quote)
        status, data = await self.request("GET", f"/v1/reports?{query}")
        if status != 200 or not isinstance(data, dict):
            raise ReportApiUnavailable(f"report API answered {status}")
        return data.get("reports") or []
