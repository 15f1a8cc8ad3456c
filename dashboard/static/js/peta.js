/* Dasbor operator: the map. Leaflet + markercluster (vendored). Reports with coordinates become
 * circle markers: fill colour = kind, outline = status, closed reports paler. Tiles come from the
 * configured URL (OpenStreetMap by default, loaded by the operator's browser); without a tile URL,
 * or when tiles are unreachable, the points still show on a plain background with a scale. */
(function () {
  "use strict";
  var D = window.Dasbor;
  var map = null, cluster = null, fitted = false, selesaiMuat = null;
  var TERTUTUP = { selesai: true, ditolak: true };

  function popup(r) {
    var box = D.el("div", { className: "popup" },
      D.el("strong", { text: r.id }),
      D.el("div", { text: (r.jenis_label || r.jenis) + " · " + (r.status_label || r.status) }),
      D.el("div", { className: "redup", text: D.waktu(r.dibuat) }),
      D.el("div", { text: r.lokasi && r.lokasi.teks }),
      D.el("p", { className: "popup-teks", text: r.deskripsi }));
    var b = D.el("button", { type: "button", className: "kecil", text: "Buka detail" });
    b.addEventListener("click", function () { D.bukaDetail(r.id); });
    box.appendChild(b);
    return box;
  }

  D.petaMulai = function (cfg) {
    if (map) return;
    var p = cfg.peta || {};
    var pusat = p.pusat || [-6.9086, 109.7303, 11];
    map = L.map("peta", { minZoom: 3, maxZoom: 19, worldCopyJump: true }).setView([pusat[0], pusat[1]], pusat[2]);
    if (p.tile_url) {
      // The page sends no Referer anywhere, except the bare origin to the tile server: the
      // OpenStreetMap tile usage policy requires a Referer from web pages.
      L.tileLayer(p.tile_url, { maxZoom: 19, attribution: p.atribusi || "", referrerPolicy: "strict-origin" })
        .addTo(map);
    } else {
      document.getElementById("peta").classList.add("tanpa-ubin");
    }
    L.control.scale({ imperial: false, metric: true }).addTo(map);
    cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true,
      chunkProgress: function (done, total) { if (done >= total && selesaiMuat) { selesaiMuat(); selesaiMuat = null; } }
    });
    map.addLayer(cluster);
    legenda(cfg);
  };

  function legenda(cfg) {
    var box = document.getElementById("legenda");
    D.clear(box);
    var j = D.el("div", {}, D.el("strong", { text: "Isi = jenis: " }));
    Object.keys(cfg.jenis).forEach(function (k) {
      var dot = D.el("span", { className: "titik" });
      dot.style.background = D.WARNA_JENIS[k] || "#999";
      j.appendChild(D.el("span", { className: "leg" }, dot, cfg.jenis[k]));
    });
    var s = D.el("div", {}, D.el("strong", { text: "Tepi = status: " }));
    Object.keys(cfg.status).forEach(function (k) {
      var dot = D.el("span", { className: "titik tepi" });
      dot.style.borderColor = D.WARNA_STATUS[k] || "#999";
      s.appendChild(D.el("span", { className: "leg" }, dot, cfg.status[k]));
    });
    box.appendChild(j);
    box.appendChild(s);
  }

  /* Returns a promise that resolves when every marker is in the cluster layer (chunked loading). */
  D.petaIsi = function (reports) {
    if (!map) return Promise.resolve();
    cluster.clearLayers();
    var markers = [], tanpa = 0;
    reports.forEach(function (r) {
      var lok = r.lokasi || {};
      if (typeof lok.lat !== "number" || typeof lok.lon !== "number") { tanpa++; return; }
      var m = L.circleMarker([lok.lat, lok.lon], {
        radius: 9, weight: 3, color: D.WARNA_STATUS[r.status] || "#333",
        fillColor: D.WARNA_JENIS[r.jenis] || "#999", fillOpacity: TERTUTUP[r.status] ? 0.35 : 0.9,
        opacity: TERTUTUP[r.status] ? 0.5 : 1
      });
      m.bindPopup(function () { return popup(r); });
      m.laporanId = r.id;
      markers.push(m);
    });
    var selesai = new Promise(function (resolve) { selesaiMuat = resolve; });
    if (!markers.length) { selesaiMuat(); selesaiMuat = null; }
    cluster.addLayers(markers);
    var el = document.getElementById("peta");
    el.dataset.titik = String(markers.length);
    document.getElementById("tanpa-koordinat").textContent = tanpa
      ? tanpa + " laporan tanpa koordinat tidak tampil di peta (lihat tab Daftar)." : "";
    if (markers.length && !fitted) {
      map.fitBounds(L.latLngBounds(markers.map(function (m) { return m.getLatLng(); })),
        { padding: [30, 30], maxZoom: 15 });
      fitted = true;
    }
    return selesai;
  };

  D.petaUlangBingkai = function () { fitted = false; };
  D.petaJumlahTitik = function () { return cluster ? cluster.getLayers().length : 0; };
  D.petaSegarkan = function () { if (map) map.invalidateSize(); };
})();
