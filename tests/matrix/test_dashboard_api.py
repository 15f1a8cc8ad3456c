"""Operator dashboard over HTTP against a REAL Synapse and a real SQLite report store: Matrix
login with the power-level check, session cookie flags, 401 without a session, CSRF, logout and
expiry, filters, both exports equal to the filtered view, masking, status changes recorded with
the operator's id and delivered to the reporter in Matrix by the running bridge."""
from __future__ import annotations

import csv
import io
import re
import time

import pytest

from conftest import SERVER, room
from dashboard_support import Client, DashboardServer, seed

OPERATOR = f"@operator:{SERVER}"


@pytest.fixture
def make_dash(synapse, provisioned, store):
    from dashboard import config
    servers = []

    def make(**overrides):
        settings = config.load(homeserver=synapse.url, server_name=SERVER, tile_url="", **overrides)
        srv = DashboardServer(store, settings)
        servers.append(srv)
        return srv
    yield make
    for s in servers:
        s.close()


@pytest.fixture
def op_password(provisioned):
    return provisioned["operator_passwords"]["operator"]


def test_login_refused_for_non_operator_and_wrong_password(make_dash, synapse, provisioned, op_password):
    dash = make_dash()
    c = Client(dash.url)
    # a registered Matrix user who is not in the operator room
    local = f"warga{int(time.time() * 1000) % 10**8}"
    synapse.register(local)
    status, _, data = c.login(local, "pw-test-123")
    assert status == 403 and data["error"] == "bukan_operator", data
    assert "operator" in data["pesan"]
    # wrong password of the real operator
    status, _, data = c.login("operator", op_password + "x")
    assert status == 401 and data["error"] == "login_gagal"
    assert "op_sesi" not in {ck.name for ck in c.jar}
    assert len(dash.sessions) == 0
    # a refused login leaves no session behind: the API still answers 401
    assert c.get("api/reports")[0] == 401


def test_member_of_operator_room_below_50_is_refused(make_dash, synapse, provisioned):
    import asyncio

    from devtools.matrix_user import MxUser
    dash = make_dash()
    local = f"staf{int(time.time() * 1000) % 10**8}"
    uid = synapse.register(local)
    oproom = room(provisioned, "operator-polres")

    async def invite_and_join():
        bot = await MxUser(synapse.url, f"@kamtibmas-bot:{SERVER}", provisioned["bot_password"]).login()
        await bot.client.room_invite(oproom, uid)
        await bot.close()
        u = await MxUser(synapse.url, uid, "pw-test-123").login()
        await u.join(oproom)
        await u.close()
    asyncio.run(invite_and_join())
    status, _, data = Client(dash.url).login(uid, "pw-test-123")
    assert status == 403 and data["error"] == "bukan_operator"


def test_operator_login_cookie_flags_logout_and_401(make_dash, op_password, store):
    dash = make_dash()
    seed(store, 3)
    anon = Client(dash.url)
    # everything under /operator/api/ except login/health answers 401 without a session
    for method, path in [("GET", "api/reports"), ("GET", "api/reports/LK-2026-000001"),
                         ("GET", "api/reports.csv"), ("GET", "api/reports.geojson"),
                         ("GET", "api/statistik"), ("GET", "api/versi"), ("GET", "api/sesi"),
                         ("GET", "api/konfigurasi"), ("POST", "api/logout"),
                         ("POST", "api/reports/LK-2026-000001/status")]:
        if method == "GET":
            status, _, data = anon.get(path)
        else:
            status, _, data = anon.post(path, {"status": "diterima"})
        assert status == 401, (path, status, data)
        assert data["error"] == "belum_masuk"
    assert anon.get("api/health")[0] == 200
    # a forged cookie is not a session
    anon.jar.set_cookie(_cookie("op_sesi", "palsu", dash.port))
    assert anon.get("api/reports")[0] == 401

    c = Client(dash.url)
    status, hdrs, data = c.login("operator", op_password)
    assert status == 200, data
    assert data["user_id"] == OPERATOR and data["tingkat_daya"] >= 50 and data["csrf"]
    cookie = hdrs["Set-Cookie"]
    assert "op_sesi=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/operator/" in cookie
    assert "Secure" not in cookie  # plain http on loopback (dev)
    assert c.get("api/reports")[0] == 200
    # the Matrix access token never reaches the browser
    assert "access_token" not in str(data) and "syt_" not in str(data)

    # behind the public entrance with TLS the cookie is Secure
    c2 = Client(dash.url)
    status, hdrs, _ = c2.post("api/login", {"user": "operator", "password": op_password}, csrf=False,
                              headers={"X-Forwarded-Proto": "https"})
    assert status == 200 and "Secure" in hdrs["Set-Cookie"]

    # logout ends the session (and the Matrix device); the old cookie is useless afterwards
    sid = next(ck.value for ck in c.jar if ck.name == "op_sesi")
    assert c.post("api/logout")[0] == 200
    replay = Client(dash.url)
    replay.jar.set_cookie(_cookie("op_sesi", sid, dash.port))
    assert replay.get("api/reports")[0] == 401


def test_session_expires(make_dash, op_password):
    dash = make_dash(session_idle_s=1.0)
    c = Client(dash.url)
    assert c.login("operator", op_password)[0] == 200
    assert c.get("api/sesi")[0] == 200
    time.sleep(1.5)
    status, _, data = c.get("api/sesi")
    assert status == 401 and data["error"] == "belum_masuk"


def test_csrf_and_origin_checks(make_dash, op_password, store):
    dash = make_dash()
    r = seed(store, 1)[0]
    c = Client(dash.url)
    # login: JSON only, same origin only
    assert c.request("POST", "api/login", raw=b"user=operator&password=x",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
    status, _, data = c.post("api/login", {"user": "operator", "password": op_password}, csrf=False,
                             headers={"Origin": "https://penyerang.example"})
    assert status == 403 and data["error"] == "csrf"
    assert c.login("operator", op_password)[0] == 200
    path = f"api/reports/{r['id']}/status"
    status, _, data = c.post(path, {"status": "diterima"}, csrf=False)
    assert status == 403 and data["error"] == "csrf"
    status, _, data = c.post(path, {"status": "diterima"}, headers={"X-CSRF-Token": "salah"})
    assert status == 403 and data["error"] == "csrf"
    status, _, data = c.post(path, {"status": "diterima"}, headers={"Origin": "http://evil.example"})
    assert status == 403 and data["error"] == "csrf"
    status, _, _ = c.post(path, {"status": "diterima"}, origin=False,
                          headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    assert store.get(r["id"])["status"] == "baru"  # nothing above changed anything
    status, _, data = c.post(path, {"status": "diterima"})
    assert status == 200 and data["status"] == "diterima" and data["berubah"] is True
    assert store.history(r["id"])[-1]["oleh"] == OPERATOR


def test_filters_narrow_and_exports_match(make_dash, op_password, store):
    dash = make_dash()
    reports = seed(store, 24)
    store.update_status(reports[0]["id"], "diterima", OPERATOR)
    store.update_status(reports[4]["id"], "ditolak", OPERATOR, alasan="laporan ganda")
    c = Client(dash.url)
    assert c.login("operator", op_password)[0] == 200
    _, _, everything = c.get("api/reports")
    assert everything["total"] == 24 == len(everything["reports"])

    cases = {
        "jenis=bencana_alam": lambda r: r["jenis"] == "bencana_alam",
        "kanal=web": lambda r: r["kanal"] == "web",
        "status=diterima,ditolak": lambda r: r["id"] in (reports[0]["id"], reports[4]["id"]),
        "q=nomor+1+(": lambda r: "nomor 1 (" in r["deskripsi"],
        "jenis=gangguan_kamtibmas&kanal=matrix":
            lambda r: r["jenis"] == "gangguan_kamtibmas" and r["kanal"] == "matrix",
        "koordinat=ya": lambda r: "lat" in r["lokasi"],
    }
    for qs, pred in cases.items():
        status, _, data = c.get("api/reports?" + qs)
        assert status == 200, (qs, data)
        expected = {r["id"] for r in reports if pred(store.get(r["id"]))}
        got = [r["id"] for r in data["reports"]]
        assert set(got) == expected and len(got) == len(expected), qs
        assert 0 < len(got) < 24, qs  # each filter really narrows
        # CSV: same ids, same order
        status, hdrs, text = c.get("api/reports.csv?" + qs, headers={"Accept": "text/csv"})
        assert status == 200 and hdrs["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        assert [row["id"] for row in rows] == got, qs
        # GeoJSON: same ids, same order; geometry exactly for those with coordinates
        status, hdrs, gj = c.get("api/reports.geojson?" + qs)
        assert status == 200 and hdrs["Content-Type"].startswith("application/geo+json")
        gj = __import__("json").loads(gj) if isinstance(gj, str) else gj
        assert gj["type"] == "FeatureCollection"
        assert [f["id"] for f in gj["features"]] == got, qs
        for f, r in zip(gj["features"], data["reports"], strict=True):
            if "lat" in r["lokasi"]:
                point = [r["lokasi"]["lon"], r["lokasi"]["lat"]]
                assert f["geometry"] == {"type": "Point", "coordinates": point}
            else:
                assert f["geometry"] is None

    # time range: nothing before today; today contains everything
    today = reports[0]["dibuat"][:10]
    assert c.get("api/reports?sampai=2000-01-01")[2]["total"] == 0
    assert c.get(f"api/reports?dari={today}&sampai={today}")[2]["total"] == 24
    # bad filters are explained in Indonesian
    status, _, data = c.get("api/reports?status=hilang")
    assert status == 400 and "Status" in data["pesan"]
    status, _, data = c.get("api/reports?dari=kemarin")
    assert status == 400 and "Tanggal" in data["pesan"]
    # statistics follow the same filter
    st = c.get("api/statistik?kanal=web")[2]
    assert st["total"] == 12 and st["per_kanal"] == {"matrix": 0, "web": 12}
    st = c.get("api/statistik")[2]
    assert st["tanggapan"]["dijawab"] == 2 and st["tanggapan"]["median_detik"] is not None


def test_personal_data_masked_in_list_detail_and_exports(make_dash, op_password, store):
    dash = make_dash()
    r, _ = store.create({
        "jenis": "lainnya", "lokasi": {"teks": "Rumah, telp 081234567890"}, "waktu": "barusan",
        "kanal": "web", "pelapor": "web-mask", "idempotency_key": "mask:1",
        "deskripsi": "NIK saya 3325011203850001, email budi.santoso@mail.co.id, hp +62 812-3456-7890"})
    c = Client(dash.url)
    assert c.login("operator", op_password)[0] == 200
    bodies = [str(c.get("api/reports")[2]), str(c.get(f"api/reports/{r['id']}")[2]),
              c.get("api/reports.csv")[2], c.get("api/reports.geojson")[2]]
    for body in bodies:
        body = str(body)
        for secret in ("3325011203850001", "budi.santoso", "081234567890", "3456-7890"):
            assert secret not in body
        assert "3325**********01" in body and "b***@mail.co.id" in body


@pytest.mark.asyncio(loop_scope="function")
async def test_status_change_notifies_reporter_in_matrix(make_dash, op_password, store, bridge_factory,
                                                   user_factory, provisioned):
    import asyncio

    ojol = room(provisioned, "ojol-batang")
    svc = await bridge_factory(store=store)
    warga = await user_factory("warga", join=[ojol])
    report, _ = store.create({"jenis": "kecelakaan_lalu_lintas", "waktu": "barusan", "kanal": "matrix",
                              "lokasi": {"teks": "Jl. Gajah Mada", "lat": -6.91, "lon": 109.73},
                              "deskripsi": "Tabrakan motor di depan pasar.", "pelapor": warga.user_id,
                              "ruang": ojol, "idempotency_key": f"dash-notif:{warga.user_id}"})
    dash = make_dash()
    c = Client(dash.url)
    status, _, _ = await asyncio.to_thread(c.login, "operator", op_password)
    assert status == 200
    m = warga.mark()
    status, _, data = await asyncio.to_thread(
        c.post, f"api/reports/{report['id']}/status", {"status": "ditangani"})
    assert status == 200 and data["status"] == "ditangani", data
    ev = await warga.wait_bot_text(ojol, svc.cfg.bot_user_id, "sedang ditangani", start=m, timeout=30)
    assert report["id"] in ev["content"]["body"] and "110" in ev["content"]["body"]
    # rejected without a reason: explained, nothing changes, nothing sent
    status, _, data = await asyncio.to_thread(
        c.post, f"api/reports/{report['id']}/status", {"status": "ditolak"})
    assert status == 409 and "alasan" in data["pesan"].lower()
    m = warga.mark()
    status, _, data = await asyncio.to_thread(
        c.post, f"api/reports/{report['id']}/status",
        {"status": "ditolak", "alasan": "Sudah ditangani Polsek"})
    assert status == 200
    ev = await warga.wait_bot_text(ojol, svc.cfg.bot_user_id, "tidak dapat kami tindak lanjuti", start=m)
    assert "Sudah ditangani Polsek" in ev["content"]["body"]
    hist = store.history(report["id"])
    assert [h["status"] for h in hist] == ["baru", "ditangani", "ditolak"]
    assert hist[1]["oleh"] == OPERATOR and hist[2]["oleh"] == OPERATOR
    detail = (await asyncio.to_thread(c.get, f"api/reports/{report['id']}"))[2]
    assert [h["status"] for h in detail["riwayat"]] == ["baru", "ditangani", "ditolak"]
    # the delivered notifications get marked in the store's outbox (right after sending)
    for _ in range(50):
        pending = [n for n in store.pending_notifications(target="pelapor")
                   if n["laporan_id"] == report["id"]]
        if not pending:
            break
        await asyncio.sleep(0.2)
    assert not pending


def _cookie(name: str, value: str, port: int):
    import http.cookiejar as cj
    return cj.Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/operator/", True, False,
                     None, False, None, None, {})


def test_security_headers(make_dash):
    dash = make_dash()
    status, hdrs, text = Client(dash.url).get("")
    assert status == 200 and "Dasbor Operator" in text
    csp = hdrs["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert hdrs["X-Content-Type-Options"] == "nosniff"
    assert not re.search(r"https?://(?!127\.0\.0\.1)", text), "the page loads nothing from elsewhere"
