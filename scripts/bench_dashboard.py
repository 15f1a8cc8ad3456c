#!/usr/bin/env python3
"""Operator dashboard with 5,000 reports: page weight and time to load, API and export timings.

    .venv/bridge/bin/python -m scripts.bench_dashboard [--reports 5000] [--runs 3]

Writes out/bench/dashboard.json. A temporary SQLite store gets N reports spread over 60 days
(80 % with coordinates around Batang, every kind and channel, a third answered); the dashboard
runs in-process on a free loopback port and a real headless Chromium (Debian chromium +
chromedriver) logs in through the page and loads it. The Matrix login round trip is replaced by
a stand-in that admits the user (this measures the dashboard, not Synapse; the tests cover the
real login).

"Time to load" = from navigation start of a reload (logged in, session cookie present) until the
page has drawn everything: map markers clustered, first 200 list rows, statistics chart
(`document.body.dataset.siap`). Cold = first load in a fresh browser profile; warm = later
reloads (vendored files cached). Page weight = bytes over the wire (transferSize) of the
document and every resource of a cold load, and their decoded size.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from dashboard import config
from dashboard.keys import AUTH, SESSIONS
from dashboard.matrix_auth import MatrixLogin
from devtools.dashboard_server import DashboardServer, chrome
from reports.query import WIB
from reports.store import open_store

ROOT = Path(__file__).resolve().parents[1]
KINDS = ["gangguan_kamtibmas", "kecelakaan_lalu_lintas", "bencana_alam", "lainnya"]
TEXTS = ["Motor dan mobil bertabrakan di dekat pertigaan, satu orang luka ringan.",
         "Ada keributan pemuda di depan warung, warga resah.", "Banjir setinggi lutut di jalan desa.",
         "Pohon tumbang menutup separuh jalan.", "Dugaan pencurian helm di parkiran pasar.",
         "Balap liar tiap malam Minggu, knalpot brong sangat bising."]


class StandInAuth:
    """Admits 'operator' without Synapse (bench only)."""

    async def login(self, user, password):
        return MatrixLogin("@operator:polres.localhost", "bench-token", "BENCH", 50, "Operator Bench")

    async def logout(self, token):
        return None

    async def power_level(self, user_id, token):
        return 50


def fill(store, n: int, seed: int = 16) -> None:
    rnd = random.Random(seed)
    now = datetime.now(WIB)
    for i in range(n):
        lokasi = {"teks": f"Jl. Contoh {i % 300}, Desa {i % 97}, Batang"}
        if rnd.random() < 0.8:
            lokasi.update(lat=round(-6.90 - rnd.random() * 0.12, 6),
                          lon=round(109.62 + rnd.random() * 0.25, 6))
        kanal = "matrix" if i % 2 else "web"
        store.create({"jenis": KINDS[i % 4], "lokasi": lokasi, "waktu": "barusan", "kanal": kanal,
                      "deskripsi": rnd.choice(TEXTS) + f" (#{i})",
                      "pelapor": f"@warga{i % 400}:polres.localhost" if kanal == "matrix" else f"web-{i}",
                      "idempotency_key": f"bench:{i}"})
    # spread over 60 days and answer a third of them (direct SQL on the bench's own temp store)
    with store._tx() as cur:
        cur.execute("SELECT id FROM reports")
        ids = [r[0] for r in cur._cur.fetchall()]
        for rid in ids:
            t = now - timedelta(minutes=rnd.randint(0, 60 * 24 * 60))
            cur.execute("UPDATE reports SET dibuat = ?, diperbarui = ? WHERE id = ?",
                        (t.isoformat(timespec="seconds"), t.isoformat(timespec="seconds"), rid))
            cur.execute("UPDATE report_history SET waktu = ? WHERE laporan_id = ?",
                        (t.isoformat(timespec="seconds"), rid))
    for rid in ids[::3]:
        store.update_status(rid, "diterima", "@operator:polres.localhost")


def timed_get(url: str, cookie: str, gzip: bool = True) -> dict:
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip" if gzip else "identity"}
    t0 = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as r:
        body = r.read()
    return {"ms": round((time.perf_counter() - t0) * 1000, 1), "bytes": len(body)}


def wait_ready(driver, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script("return document.body.dataset.siap === '1'"):
            return
        time.sleep(0.02)
    state = driver.execute_script(
        "return [document.getElementById('masuk-pesan').textContent,"
        " document.getElementById('jumlah-laporan').textContent]")
    raise TimeoutError(f"dashboard not ready: {state} {driver.get_log('browser')[-5:]}")


def load_ms(driver) -> float:
    return driver.execute_script("return performance.now()")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "out" / "bench" / "dashboard.json"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    store = open_store(str(tmp / "reports.db"))
    t0 = time.perf_counter()
    fill(store, args.reports)
    fill_s = time.perf_counter() - t0
    with_coords = store._query("SELECT COUNT(*) AS n FROM reports WHERE lat IS NOT NULL")[0]["n"]
    srv = DashboardServer(store, config.load(tile_url="", session_idle_s=3600))
    srv.app[SESSIONS].auth = StandInAuth()
    srv.app._state[AUTH] = StandInAuth()  # before the first request; the app is already frozen
    result: dict = {"reports": args.reports, "with_coordinates": with_coords,
                    "fill_seconds": round(fill_s, 1)}
    driver = chrome(str(tmp / "chrome"))
    try:
        from selenium.webdriver.common.by import By
        driver.get(srv.url)
        driver.find_element(By.ID, "masuk-user").send_keys("operator")
        driver.find_element(By.ID, "masuk-sandi").send_keys("x")
        t = time.perf_counter()
        driver.find_element(By.ID, "tombol-masuk").click()
        wait_ready(driver)
        result["login_to_ready_ms"] = round((time.perf_counter() - t) * 1000)
        markers = driver.execute_script("return Dasbor.petaJumlahTitik()")
        assert markers == with_coords, (markers, with_coords)
        # cold load needs a fresh profile with the session cookie: reuse this one after clearing cache
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        cold = []
        driver.get(srv.url)
        wait_ready(driver)
        cold.append(load_ms(driver))
        entries = driver.execute_script(
            "return performance.getEntriesByType('navigation')"
            ".concat(performance.getEntriesByType('resource'))"
            ".map(function (e) { return {name: e.name.replace(location.origin, ''), transfer: e.transferSize,"
            " decoded: e.decodedBodySize, ms: Math.round(e.duration)}; })")
        warm = []
        for _ in range(args.runs):
            driver.get(srv.url)
            wait_ready(driver)
            warm.append(load_ms(driver))
        result["page"] = {
            "transfer_bytes": sum(e["transfer"] for e in entries),
            "decoded_bytes": sum(e["decoded"] for e in entries),
            "requests": len(entries),
            "resources": sorted(entries, key=lambda e: -e["decoded"]),
        }
        result["time_to_ready_ms"] = {"cold": round(cold[0]), "warm_runs": [round(x) for x in warm],
                                      "warm_median": round(statistics.median(warm))}
        cookie = "op_sesi=" + driver.get_cookie("op_sesi")["value"]
        api = {}
        for name, path in [("reports", "api/reports"), ("statistik", "api/statistik"),
                           ("reports_filtered", "api/reports?jenis=bencana_alam&q=banjir"),
                           ("csv", "api/reports.csv"), ("geojson", "api/reports.geojson")]:
            runs = [timed_get(srv.url + path, cookie) for _ in range(args.runs)]
            api[name] = {"median_ms": statistics.median(r["ms"] for r in runs),
                         "bytes_gzip": runs[0]["bytes"],
                         "bytes_plain": timed_get(srv.url + path, cookie, gzip=False)["bytes"]}
        result["api"] = api
    finally:
        driver.quit()
        srv.close()
        store.close()
    result["measured_at"] = datetime.now(WIB).isoformat(timespec="seconds")
    result["machine_note"] = "2 shared cores, other developers working at the same time"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    summary = {k: v for k, v in result.items() if k != "page"}
    summary["page"] = {k: v for k, v in result["page"].items() if k != "resources"}
    print(json.dumps(summary, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
