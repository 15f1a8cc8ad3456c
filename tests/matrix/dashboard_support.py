"""Helpers for the operator dashboard tests (bridge venv): a small cookie-aware HTTP client,
seeded reports, CSP violations from the browser log. The server-in-a-thread and the browser come
from devtools.dashboard_server (shared with scripts/bench_dashboard.py)."""
from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

from devtools.dashboard_server import DashboardServer, chrome  # noqa: F401 - re-exported for the tests

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "out" / "artifacts"


class Client:
    """Cookie-keeping HTTP client (urllib) that remembers the CSRF token from login."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf: Optional[str] = None
        self.origin = base.split("/operator/")[0]

    def request(self, method: str, path: str, body=None, headers: Optional[dict] = None,
                raw: Optional[bytes] = None):
        """(status, headers, parsed JSON or text) — never raises for HTTP errors."""
        h = {"Accept": "application/json", **(headers or {})}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=60) as r:
                status, hdrs, payload = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, payload = e.code, e.headers, e.read()
        text = payload.decode("utf-8")
        ctype = hdrs.get("Content-Type", "")
        return status, hdrs, (json.loads(text) if "json" in ctype and text else text)

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, body=None, csrf: bool = True, origin: bool = True, headers=None):
        h = dict(headers or {})
        if csrf and self.csrf:
            h.setdefault("X-CSRF-Token", self.csrf)
        if origin:
            h.setdefault("Origin", self.origin)
        return self.request("POST", path, body=body if body is not None else {}, headers=h)

    def login(self, user: str, password: str):
        status, hdrs, data = self.post("api/login", {"user": user, "password": password}, csrf=False)
        if status == 200:
            self.csrf = data["csrf"]
        return status, hdrs, data


def seed(store, n: int = 12, prefix: str = "seed", ruang: Optional[str] = None,
         pelapor: str = "@warga:polres.localhost"):
    """n reports of every kind/channel, two thirds with coordinates around Batang; returns them."""
    kinds = ["gangguan_kamtibmas", "kecelakaan_lalu_lintas", "bencana_alam", "lainnya"]
    out = []
    for i in range(n):
        lokasi = {"teks": f"Jl. Contoh {i}, Batang"}
        if i % 3 != 2:
            lokasi.update(lat=-6.90 + 0.01 * (i % 7), lon=109.70 + 0.013 * (i % 5))
        payload = {"jenis": kinds[i % 4], "lokasi": lokasi, "waktu": "barusan",
                   "deskripsi": f"Kejadian nomor {i} ({prefix}) di sekitar lokasi.",
                   "kanal": "matrix" if i % 2 == 0 else "web",
                   "pelapor": pelapor if i % 2 == 0 else f"web-{prefix}-{i}",
                   "ruang": ruang if i % 2 == 0 else None, "idempotency_key": f"{prefix}:{i}"}
        report, _ = store.create(payload)
        out.append(report)
    return out


def csp_violations(driver) -> list:
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e.get("message", "") or "Refused to" in e.get("message", "")]
