/* Dasbor operator: login, filters, tabs, loading and live updates (polls /api/versi). */
(function () {
  "use strict";
  var D = window.Dasbor;
  var cfg = null, versi = null, timer = null, memuat = false;
  var POLL_MS = 5000;
  var $ = function (id) { return document.getElementById(id); };

  function tampilkanMasuk(pesan) {
    clearInterval(timer); timer = null;
    $("dasbor").hidden = true;
    $("pengguna").hidden = true;
    $("masuk").hidden = false;
    $("masuk-pesan").textContent = pesan || "";
    D.setCsrf(null);
  }
  D.onLoggedOut = function (pesan) { tampilkanMasuk(pesan || "Sesi berakhir. Silakan masuk lagi."); };

  function isiPilihan(sel, map) {
    Object.keys(map).forEach(function (k) { sel.appendChild(D.el("option", { value: k, text: map[k] })); });
  }

  function queryString() {
    var p = new URLSearchParams();
    ["status", "jenis", "kanal", "dari", "sampai", "q"].forEach(function (k) {
      var v = $("f-" + k).value.trim();
      if (v) p.set(k, v);
    });
    return p.toString();
  }

  function ekspor(qs) {
    $("ekspor-csv").href = "api/reports.csv" + (qs ? "?" + qs : "");
    $("ekspor-geojson").href = "api/reports.geojson" + (qs ? "?" + qs : "");
  }

  function muat() {
    if (memuat) return Promise.resolve();
    memuat = true;
    delete document.body.dataset.siap;
    var qs = queryString();
    ekspor(qs);
    var sfx = qs ? "?" + qs : "";
    return Promise.all([D.api("reports" + sfx), D.api("statistik" + sfx), D.api("versi")])
      .then(function (res) {
        var list = res[0], st = res[1];
        versi = res[2].versi;
        $("jumlah-laporan").textContent = list.total + " laporan" +
          (list.terpotong ? " (menampilkan " + list.reports.length + " terbaru)" : "");
        var sla = list.reports.filter(function (r) { return r.lewat_sla; }).length;
        $("jumlah-sla").hidden = !st.sla.jumlah;
        $("jumlah-sla").textContent = st.sla.jumlah + " terbuka > " + String(st.sla.jam).replace(".", ",") + " jam";
        $("diperbarui").textContent = "diperbarui " + new Date().toLocaleTimeString("id-ID");
        var peta = D.petaIsi(list.reports);
        D.daftarIsi(list.reports, cfg);
        D.statistikIsi(st, cfg);
        document.body.dataset.sla = String(sla);
        return peta;
      })
      .then(function () { document.body.dataset.siap = "1"; })
      .catch(function (e) { if (e.status !== 401) $("jumlah-laporan").textContent = e.message; })
      .then(function () { memuat = false; });
  }
  D.muatUlang = muat;

  function periksa() {
    if (document.hidden) return;
    D.api("versi").then(function (v) { if (v.versi !== versi) muat(); }).catch(function () {});
  }

  function mulai(sesi) {
    D.setCsrf(sesi.csrf);
    $("nama-operator").textContent = sesi.nama;
    $("pengguna").hidden = false;
    $("masuk").hidden = true;
    $("dasbor").hidden = false;
    var pertama = !cfg;
    var siap = cfg ? Promise.resolve(cfg) : D.api("konfigurasi");
    return siap.then(function (c) {
      cfg = c;
      if (pertama) {
        isiPilihan($("f-status"), c.status);
        isiPilihan($("f-jenis"), c.jenis);
        isiPilihan($("f-kanal"), { matrix: "Matrix", web: "Web chat" });
      }
      D.petaMulai(c);
      return muat();
    }).then(function () {
      clearInterval(timer);
      timer = setInterval(periksa, POLL_MS);
    });
  }

  $("form-masuk").addEventListener("submit", function (e) {
    e.preventDefault();
    $("tombol-masuk").disabled = true;
    $("masuk-pesan").textContent = "Memeriksa akun …";
    D.api("login", { method: "POST", body: { user: $("masuk-user").value.trim(), password: $("masuk-sandi").value }, noRedirect: true })
      .then(function (sesi) { $("masuk-sandi").value = ""; $("masuk-pesan").textContent = ""; return mulai(sesi); })
      .catch(function (err) { $("masuk-pesan").textContent = err.message; })
      .then(function () { $("tombol-masuk").disabled = false; });
  });

  $("tombol-keluar").addEventListener("click", function () {
    D.api("logout", { method: "POST", body: {} }).catch(function () {}).then(function () { tampilkanMasuk("Anda sudah keluar."); });
  });

  $("filter").addEventListener("submit", function (e) { e.preventDefault(); D.petaUlangBingkai(); muat(); });
  $("tombol-reset").addEventListener("click", function () {
    $("filter").reset();
    D.petaUlangBingkai();
    muat();
  });

  function pilihTab(nama) {
    document.querySelectorAll(".tab button").forEach(function (b) {
      b.setAttribute("aria-selected", String(b.dataset.tab === nama));
    });
    ["peta", "daftar", "statistik"].forEach(function (t) { $("tab-" + t).hidden = t !== nama; });
    if (nama === "peta") D.petaSegarkan();
    if (nama === "statistik") D.statistikUkurUlang();
  }
  document.querySelectorAll(".tab button").forEach(function (b) {
    b.addEventListener("click", function () { pilihTab(b.dataset.tab); });
  });
  D.pilihTab = pilihTab;
  document.addEventListener("visibilitychange", periksa);

  D.api("sesi", { noRedirect: true }).then(mulai).catch(function () { tampilkanMasuk(""); });
})();
