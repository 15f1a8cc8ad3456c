"""End to end, "Bagikan lokasi": headless Chromium with a granted, emulated position fills the
report form in the widget through the edge, clicks "📍 Bagikan lokasi" at the location question,
and the report stored by the REAL report API (started here where the session's action server sends
reports: REPORTS_API_URL / REPORTS_TOKEN / REPORTS_OUTBOX from `servers.py up`) has that lat/lon.
A second test denies the permission: the user is told in Indonesian and types the address."""
from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By

from devtools.net import wait_http
from reports.vocabulary import PROMPT

from webchat_support import ChatPage, browser  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[2]
BATANG = {"latitude": -6.907123, "longitude": 109.730456, "accuracy": 12}
ID_RE = re.compile(r"LK-\d{4}-\d{6}")
LOKASI_BTN = ".qr.lokasi button"


@pytest.fixture(scope="module")
def report_api(rasa_url, tmp_path_factory):
    keys = ("REPORTS_API_URL", "REPORTS_TOKEN", "REPORTS_OUTBOX")
    if not all(os.environ.get(k) for k in keys):
        pytest.fail("start the servers with `scripts/servers.py up STATE.json` and export "
                    + ", ".join(keys) + " (the action server sends the test reports there)")
    url = urlsplit(os.environ["REPORTS_API_URL"])
    assert url.hostname in ("127.0.0.1", "localhost")
    d = tmp_path_factory.mktemp("lokasi-reports")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REPORTS_PORT": str(url.port),
           "REPORTS_TOKEN": os.environ["REPORTS_TOKEN"], "REPORTS_OUTBOX": os.environ["REPORTS_OUTBOX"],
           "REPORTS_DB_URL": f"sqlite:///{d / 'reports.db'}", "RASA_URL": rasa_url}
    env.pop("REPORTS_HOST", None)
    log = open(d / "reports.log", "ab")
    proc = subprocess.Popen([str(ROOT / ".venv" / "bridge" / "bin" / "python"), "-m", "reports"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(os.environ["REPORTS_API_URL"] + "/health", 60, proc, "report API")
        yield os.environ["REPORTS_API_URL"]
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def get_report(api_url: str, rid: str) -> dict:
    req = urllib.request.Request(f"{api_url}/v1/reports/{rid}",
                                 headers={"Authorization": f"Bearer {os.environ['REPORTS_TOKEN']}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def start_report(page: ChatPage) -> None:
    """'lapor', then the first kind button if the bot asks for the kind; waits for the location
    question."""
    n = page.send("saya mau lapor kejadian")
    new = page.wait_bot(lambda t: PROMPT["jenis"][:30] in t or PROMPT["lokasi"][:30] in t, n, 240)
    if not any(PROMPT["lokasi"][:30] in t for t in new):
        n = len(page.texts("bot"))
        page.wait(lambda d: page.buttons(), 30, "no kind buttons")
        page.buttons()[0].click()
        page.wait_bot(lambda t: PROMPT["lokasi"][:30] in t, n, 120)


def finish_report(page: ChatPage) -> str:
    n = len(page.texts("bot"))
    page.wait_bot(lambda t: PROMPT["waktu"][:20] in t, n - 1, 120)
    n = page.send("barusan")
    page.wait_bot(lambda t: PROMPT["deskripsi"][:20] in t, n, 120)
    n = page.send("Truk menabrak dua motor di depan pasar, satu orang luka ringan.")
    new = page.wait_bot(lambda t: "tercatat dengan nomor" in t, n, 120)
    return ID_RE.search(next(t for t in new if "tercatat dengan nomor" in t)).group(0)


@pytest.fixture
def page(browser, edge_url):  # noqa: F811
    p = ChatPage(browser, edge_url.rstrip("/") + "/").open()
    p.wait_online()
    return p


def test_shared_location_reaches_the_report(browser, page, report_api, edge_url):  # noqa: F811
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(edge_url))
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": origin, "permissions": ["geolocation"]})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride", BATANG)
    try:
        start_report(page)
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, LOKASI_BTN), 30, "no 'Bagikan lokasi' button")
        [btn] = browser.find_elements(By.CSS_SELECTOR, LOKASI_BTN)
        assert btn.text == "📍 Bagikan lokasi"
        btn.click()
        page.wait(lambda d: any(t.endswith("Lokasi dari perangkat (±12 m)") for t in page.texts("user")), 30,
                  f"no location answer; user texts {page.texts('user')!r}")
        assert not browser.find_elements(By.CSS_SELECTOR, LOKASI_BTN)  # gone once answered
        rid = finish_report(page)
    finally:
        browser.execute_cdp_cmd("Emulation.clearGeolocationOverride", {})
        browser.execute_cdp_cmd("Browser.resetPermissions", {})
    rep = get_report(report_api, rid)
    assert rep["kanal"] == "web"
    assert rep["lokasi"]["teks"] == "Lokasi dari perangkat (±12 m)"
    assert rep["lokasi"]["lat"] == pytest.approx(BATANG["latitude"], abs=1e-6)
    assert rep["lokasi"]["lon"] == pytest.approx(BATANG["longitude"], abs=1e-6)


def test_denied_permission_lets_the_user_type(browser, page, report_api, edge_url):  # noqa: F811
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(edge_url))
    browser.execute_cdp_cmd("Browser.setPermission", {"origin": origin, "permission": {"name": "geolocation"},
                                                      "setting": "denied"})
    try:
        start_report(page)
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, LOKASI_BTN), 30, "no 'Bagikan lokasi' button")
        browser.find_element(By.CSS_SELECTOR, LOKASI_BTN).click()
        note = page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".qr.lokasi .lokasi-note"), 30)
        assert note[0].text == "Izin lokasi ditolak; tuliskan alamatnya saja."
        page.send("Jl. Gajah Mada depan pasar Batang")
        rid = finish_report(page)
    finally:
        browser.execute_cdp_cmd("Browser.resetPermissions", {})
    rep = get_report(report_api, rid)
    assert rep["lokasi"] == {"teks": "Jl. Gajah Mada depan pasar Batang"}
