/* Dasbor operator: statistics. Reports per day and per kind (uPlot, vendored; bars = total,
 * lines = each kind), counts per kind and status, median time to first response, open reports
 * older than the SLA. */
(function () {
  "use strict";
  var D = window.Dasbor;
  var chart = null;

  var BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
  function tanggal(ts) { var d = new Date(ts * 1000); return d.getUTCDate() + " " + BULAN[d.getUTCMonth()]; }

  function hariKeDetik(h) { return Date.UTC(+h.slice(0, 4), +h.slice(5, 7) - 1, +h.slice(8, 10)) / 1000; }

  function grafik(st, cfg) {
    var box = document.getElementById("grafik-hari");
    if (chart) { chart.destroy(); chart = null; }
    D.clear(box);
    var days = st.per_hari || [];
    if (!days.length) { box.appendChild(D.el("p", { className: "redup", text: "Belum ada laporan pada rentang ini." })); return; }
    var xs = days.map(function (d) { return hariKeDetik(d.hari); });
    var data = [xs, days.map(function (d) { return d.total; })];
    var series = [{}, {
      label: "Total", stroke: "#37474f", fill: "rgba(55,71,79,0.18)", width: 1,
      paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false }
    }];
    Object.keys(cfg.jenis).forEach(function (k) {
      data.push(days.map(function (d) { return d[k] || 0; }));
      series.push({ label: cfg.jenis[k], stroke: D.WARNA_JENIS[k], width: 2, points: { size: 5 } });
    });
    var width = Math.max(280, box.clientWidth || 600);
    chart = new uPlot({
      width: width, height: 260, series: series, tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{ space: 60, incrs: [86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400],
               values: function (u, splits) { return splits.map(tanggal); } },
             { label: "laporan" }],
      legend: { live: false }
    }, data, box);
  }

  function batang(id, counts, labels, warna) {
    var box = document.getElementById(id);
    D.clear(box);
    var max = Math.max.apply(null, Object.keys(labels).map(function (k) { return counts[k] || 0; }).concat([1]));
    Object.keys(labels).forEach(function (k) {
      var n = counts[k] || 0;
      var bar = D.el("span", { className: "isi-batang" });
      bar.style.width = Math.round((100 * n) / max) + "%";
      bar.style.background = warna[k] || "#607d8b";
      box.appendChild(D.el("div", { className: "baris-batang" },
        D.el("span", { className: "label-batang", text: labels[k] }),
        D.el("span", { className: "jalur-batang" }, bar),
        D.el("span", { className: "nilai-batang", text: String(n) })));
    });
  }

  D.statistikIsi = function (st, cfg) {
    document.getElementById("st-total").textContent = String(st.total);
    document.getElementById("st-median").textContent = D.durasi(st.tanggapan.median_detik);
    var ps = st.per_status || {};
    document.getElementById("st-terbuka").textContent = String((ps.baru || 0) + (ps.diterima || 0) + (ps.ditangani || 0));
    document.getElementById("st-sla").textContent = String(st.sla.jumlah);
    document.getElementById("st-sla-label").textContent =
      "terbuka lebih dari " + String(st.sla.jam).replace(".", ",") + " jam";
    grafik(st, cfg);
    batang("batang-jenis", st.per_jenis, cfg.jenis, D.WARNA_JENIS);
    batang("batang-status", st.per_status, cfg.status, D.WARNA_STATUS);
    var ul = document.getElementById("daftar-sla");
    D.clear(ul);
    if (!st.sla.laporan.length) ul.appendChild(D.el("li", { className: "redup", text: "Tidak ada. Bagus!" }));
    st.sla.laporan.forEach(function (r) {
      var a = D.el("button", { type: "button", className: "tautan", text: r.id });
      a.addEventListener("click", function () { D.bukaDetail(r.id); });
      ul.appendChild(D.el("li", {}, a, " · " + (cfg.jenis[r.jenis] || r.jenis) + " · " +
        (cfg.status[r.status] || r.status) + " · sejak " + D.waktu(r.dibuat)));
    });
  };

  D.statistikUkurUlang = function () {
    var box = document.getElementById("grafik-hari");
    if (chart && box.clientWidth) chart.setSize({ width: box.clientWidth, height: 260 });
  };
})();
