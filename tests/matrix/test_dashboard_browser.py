"""Operator dashboard in a real headless Chromium against a REAL Synapse and a real SQLite store:
login through the page (refused for a non-operator), markers on the map = reports with
coordinates, filters narrow list and map, an XSS attempt in report text stays inert text, status
change from the detail dialog, no Content-Security-Policy violation, phone layout. Screenshots of
the map and the statistics go to out/artifacts/ (copied into docs/img/ for
docs/operator-dashboard.md)."""
from __future__ import annotations

import time

import pytest

from conftest import SERVER
from dashboard_support import ARTIFACTS, DashboardServer, chrome, csp_violations, seed

OPERATOR = f"@operator:{SERVER}"
XSS = ('<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
       '<a href="javascript:window.__xss=3">klik</a> maling motor')


@pytest.fixture
def dash(synapse, provisioned, store):
    from dashboard import config
    settings = config.load(homeserver=synapse.url, server_name=SERVER, tile_url="", sla_hours=24.0)
    srv = DashboardServer(store, settings)
    yield srv
    srv.close()


@pytest.fixture
def browser(tmp_path):
    drv = chrome(str(tmp_path / "chrome"))
    yield drv
    drv.quit()


def wait(driver, js: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script("return " + js)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timeout waiting for {js}")


def login(driver, url: str, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    driver.get(url)
    wait(driver, "!document.getElementById('masuk').hidden")
    driver.find_element(By.ID, "masuk-user").send_keys(user)
    driver.find_element(By.ID, "masuk-sandi").send_keys(password)
    driver.find_element(By.ID, "tombol-masuk").click()


def backdate(store, rid: str, hours: float) -> None:
    """Make a report older (the store has no clock to inject; the test edits its own db file)."""
    from datetime import datetime, timedelta
    with store._tx() as cur:
        cur.execute("SELECT dibuat FROM reports WHERE id = ?", (rid,))
        old = datetime.fromisoformat(cur.fetchone()[0]) - timedelta(hours=hours)
        cur.execute("UPDATE reports SET dibuat = ?, diperbarui = ? WHERE id = ?",
                    (old.isoformat(timespec="seconds"), old.isoformat(timespec="seconds"), rid))
        cur.execute("UPDATE report_history SET waktu = ? WHERE laporan_id = ? AND urutan = 1",
                    (old.isoformat(timespec="seconds"), rid))


def test_non_operator_refused_in_page(dash, browser, synapse):
    local = f"warga{int(time.time() * 1000) % 10**8}"
    synapse.register(local)
    login(browser, dash.url, local, "pw-test-123")
    msg = wait(browser, "document.getElementById('masuk-pesan').textContent.includes('bukan operator')"
                        " && document.getElementById('masuk-pesan').textContent")
    assert "bukan operator" in msg
    assert browser.execute_script("return document.getElementById('dasbor').hidden") is True
    assert browser.get_cookies() == []


def test_dashboard_map_filters_xss_status_and_screenshots(dash, browser, store, provisioned):
    from selenium.webdriver.common.by import By

    reports = seed(store, 30)
    xss, _ = store.create({"jenis": "gangguan_kamtibmas", "waktu": XSS[:100], "kanal": "web",
                           "lokasi": {"teks": "<b>Alun-alun</b> Batang", "lat": -6.9070, "lon": 109.7300},
                           "deskripsi": XSS, "pelapor": "web-xss", "pelapor_nama": "<i>Budi</i>",
                           "idempotency_key": "xss:1"})
    # history for the statistics: responses after a few minutes/hours, two overdue open reports
    for i, r in enumerate(reports[:10]):
        backdate(store, r["id"], hours=24 * (i % 5) + 3)
        for status in (["diterima"], ["ditangani"], ["ditangani", "selesai"])[i % 3]:
            store.update_status(r["id"], status, OPERATOR)
    backdate(store, reports[11]["id"], hours=30)
    backdate(store, reports[13]["id"], hours=50)
    with_coords = sum(1 for r in store.list(limit=500) if "lat" in r["lokasi"])

    login(browser, dash.url, "operator", provisioned["operator_passwords"]["operator"])
    wait(browser, "document.body.dataset.siap === '1'")
    assert browser.find_element(By.ID, "nama-operator").text
    # map: one marker per report with coordinates, on a plain background (no tiles configured)
    assert int(wait(browser, "document.getElementById('peta').dataset.titik")) == with_coords
    assert browser.execute_script("return Dasbor.petaJumlahTitik()") == with_coords
    assert browser.execute_script("return document.querySelectorAll('.leaflet-tile').length") == 0
    assert browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-scale-line")
    assert browser.find_elements(By.CSS_SELECTOR, ".marker-cluster"), "markers are clustered"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    time.sleep(0.8)  # cluster animation
    browser.save_screenshot(str(ARTIFACTS / "dashboard-peta.png"))

    # list: every report; XSS text is shown as text and nothing ran
    browser.execute_script("Dasbor.pilihTab('daftar')")
    rows = browser.find_elements(By.CSS_SELECTOR, "#tabel-isi tr")
    assert len(rows) == 31
    assert browser.execute_script("return window.__xss") is None
    cell = browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{xss['id']}'] td.ringkas-teks")
    assert "<img src=x" in cell.get_attribute("textContent")
    assert not browser.find_elements(By.CSS_SELECTOR,
                                     "#tabel-isi img, #tabel-isi script, #tabel-isi b, #tabel-isi i")
    # overdue open reports are highlighted
    overdue = {e.get_attribute("data-id")
               for e in browser.find_elements(By.CSS_SELECTOR, "#tabel-isi tr.lewat-sla")}
    from reports.query import is_overdue
    expected_overdue = {r["id"] for r in store.list(limit=500) if is_overdue(r, 24.0)}
    assert {reports[11]["id"], reports[13]["id"]} <= expected_overdue
    assert overdue == expected_overdue

    # detail of the XSS report: timeline, inert text, status change recorded with the operator id
    browser.find_element(By.CSS_SELECTOR, f"tr[data-id='{xss['id']}']").click()
    wait(browser, "document.getElementById('detail').open")
    detail_text = browser.find_element(By.ID, "detail-data").get_attribute("textContent")
    assert "<img src=x" in detail_text and "<i>Budi</i>" in detail_text
    assert not browser.find_elements(By.CSS_SELECTOR, "#detail img, #detail script, #detail-data i")
    browser.find_element(By.CSS_SELECTOR, "#detail-tombol button[data-status='diterima']").click()
    wait(browser, "document.getElementById('detail-pesan').textContent.includes('Diterima')")
    assert store.get(xss["id"])["status"] == "diterima"
    assert store.history(xss["id"])[-1]["oleh"] == OPERATOR
    timeline = browser.find_element(By.ID, "detail-riwayat").text
    assert "oleh " + OPERATOR in timeline
    # a rejection without a reason is stopped in the page
    browser.find_element(By.CSS_SELECTOR, "#detail-tombol button[data-status='ditolak']").click()
    assert "alasan" in browser.find_element(By.ID, "detail-pesan").text.lower()
    assert store.get(xss["id"])["status"] == "diterima"
    browser.find_element(By.CSS_SELECTOR, "#detail form[method=dialog] button").click()
    assert browser.execute_script("return window.__xss") is None

    # filters narrow the list and the map
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.ID, "f-jenis")).select_by_value("bencana_alam")
    browser.find_element(By.ID, "tombol-saring").click()
    expected = [r for r in store.list(jenis="bencana_alam", limit=500)]
    wait(browser, f"document.querySelectorAll('#tabel-isi tr').length === {len(expected)}")
    ids = {e.get_attribute("data-id") for e in browser.find_elements(By.CSS_SELECTOR, "#tabel-isi tr")}
    assert ids == {r["id"] for r in expected} and 0 < len(ids) < 31
    assert int(browser.execute_script("return document.getElementById('peta').dataset.titik")) == \
        sum(1 for r in expected if "lat" in r["lokasi"])
    href = browser.find_element(By.ID, "ekspor-csv").get_attribute("href")
    assert href.endswith("reports.csv?jenis=bencana_alam")
    browser.find_element(By.ID, "f-q").send_keys("maling motor")
    Select(browser.find_element(By.ID, "f-jenis")).select_by_value("")
    browser.find_element(By.ID, "tombol-saring").click()
    wait(browser, "document.querySelectorAll('#tabel-isi tr').length === 1")
    browser.find_element(By.ID, "tombol-reset").click()
    wait(browser, "document.querySelectorAll('#tabel-isi tr').length === 31")

    # live update: a new report appears without reloading the page
    store.create({"jenis": "bencana_alam", "lokasi": {"teks": "Desa Baru", "lat": -6.95, "lon": 109.75},
                  "waktu": "barusan", "deskripsi": "Banjir setinggi lutut.", "kanal": "web",
                  "pelapor": "web-live", "idempotency_key": "live:1"})
    wait(browser, "document.querySelectorAll('#tabel-isi tr').length === 32", timeout=20)

    # statistics: chart drawn, median response shown, SLA count
    browser.execute_script("Dasbor.pilihTab('statistik')")
    wait(browser, "document.querySelector('#grafik-hari canvas')")
    assert browser.find_element(By.ID, "st-total").text == "32"
    assert browser.find_element(By.ID, "st-median").text not in ("", "–")
    assert browser.find_element(By.ID, "st-sla").text == str(len(expected_overdue))
    time.sleep(0.3)
    browser.save_screenshot(str(ARTIFACTS / "dashboard-statistik.png"))

    assert csp_violations(browser) == []
    # logout: back to the login form, the API refuses the old session
    browser.find_element(By.ID, "tombol-keluar").click()
    wait(browser, "!document.getElementById('masuk').hidden")


def test_phone_layout_with_unreachable_tiles(synapse, store, provisioned, tmp_path):
    """A tile server is configured but unreachable (as without internet): the points still show."""
    from selenium.webdriver.common.by import By

    from dashboard import config
    reports = seed(store, 9)
    dash = DashboardServer(store, config.load(homeserver=synapse.url, server_name=SERVER,
                                              tile_url="http://127.0.0.1:9/{z}/{x}/{y}.png"))
    drv = chrome(str(tmp_path / "chrome-hp"), mobile=True)
    try:
        login(drv, dash.url, "operator", provisioned["operator_passwords"]["operator"])
        wait(drv, "document.body.dataset.siap === '1'")
        assert drv.find_elements(By.CSS_SELECTOR, ".leaflet-tile"), "tile layer present"
        assert drv.execute_script("return Dasbor.petaJumlahTitik()") == \
            sum(1 for r in reports if "lat" in r["lokasi"])
        assert drv.find_elements(By.CSS_SELECTOR, ".leaflet-control-scale-line")
        width = drv.execute_script("return document.documentElement.scrollWidth")
        assert width <= 392, f"page wider than the phone: {width}px"
        peta = drv.find_element(By.ID, "peta")
        assert peta.size["width"] > 300 and peta.size["height"] > 300
        drv.save_screenshot(str(ARTIFACTS / "dashboard-hp.png"))
        assert csp_violations(drv) == []
    finally:
        drv.quit()
        dash.close()

