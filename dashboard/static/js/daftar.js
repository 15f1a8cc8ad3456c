/* Dasbor operator: the report list and the detail dialog (status timeline, status changes).
 * Every reporter-provided value goes into the page as text (D.el / textContent). */
(function () {
  "use strict";
  var D = window.Dasbor;
  var HALAMAN = 200;
  var semua = [], tampil = 0, cfg = null, bukaId = null;

  function badge(kind, value, label) {
    var b = D.el("span", { className: "badge " + kind + "-" + value, text: label || value });
    return b;
  }

  function baris(r) {
    var tr = D.el("tr", { className: r.lewat_sla ? "lewat-sla" : "", tabIndex: 0 },
      D.el("td", {}, D.el("span", { className: "nomor", text: r.id })),
      D.el("td", { text: D.waktu(r.dibuat) }),
      D.el("td", {}, badge("jenis", r.jenis, r.jenis_label)),
      D.el("td", {}, badge("status", r.status, r.status_label),
        r.lewat_sla ? D.el("span", { className: "sla-tanda", title: "Melewati batas waktu", text: " ⏰" }) : null),
      D.el("td", { text: r.kanal === "web" ? "Web" : "Matrix" }),
      D.el("td", { text: (r.lokasi && r.lokasi.teks) || "–" }),
      D.el("td", { className: "ringkas-teks", text: r.deskripsi }));
    tr.dataset.id = r.id;
    tr.addEventListener("click", function () { D.bukaDetail(r.id); });
    tr.addEventListener("keydown", function (e) { if (e.key === "Enter") D.bukaDetail(r.id); });
    return tr;
  }

  function tambah() {
    var tbody = document.getElementById("tabel-isi");
    var end = Math.min(semua.length, tampil + HALAMAN);
    var frag = document.createDocumentFragment();
    for (var i = tampil; i < end; i++) frag.appendChild(baris(semua[i]));
    tbody.appendChild(frag);
    tampil = end;
    document.getElementById("tombol-lagi").hidden = tampil >= semua.length;
  }

  D.daftarIsi = function (reports, config) {
    cfg = config;
    semua = reports;
    tampil = 0;
    D.clear(document.getElementById("tabel-isi"));
    if (!reports.length) {
      document.getElementById("tabel-isi").appendChild(
        D.el("tr", {}, D.el("td", { colSpan: 7, className: "redup", text: "Tidak ada laporan yang cocok dengan saringan." })));
    }
    tambah();
  };

  document.getElementById("tombol-lagi").addEventListener("click", tambah);

  function dataRow(dl, label, value) {
    dl.appendChild(D.el("dt", { text: label }));
    dl.appendChild(D.el("dd", { text: value === null || value === undefined || value === "" ? "–" : String(value) }));
  }

  function isiDetail(r) {
    document.getElementById("detail-judul").textContent = r.id + " · " + r.jenis_label;
    var dl = document.getElementById("detail-data");
    D.clear(dl);
    var lok = r.lokasi || {};
    dataRow(dl, "Status", r.status_label + (r.lewat_sla ? " (melewati batas waktu)" : ""));
    dataRow(dl, "Lokasi", lok.teks);
    if (typeof lok.lat === "number") dataRow(dl, "Koordinat", lok.lat.toFixed(5) + ", " + lok.lon.toFixed(5));
    dataRow(dl, "Waktu kejadian", r.waktu + (r.waktu_iso && r.waktu_iso !== r.waktu ? " (" + D.waktu(r.waktu_iso) + ")" : ""));
    dataRow(dl, "Keterangan", r.deskripsi);
    dataRow(dl, "Lampiran", r.lampiran_jumlah ? r.lampiran_jumlah + " berkas (lihat kartu di ruang operator)" : "");
    dataRow(dl, "Pelapor", (r.pelapor_nama ? r.pelapor_nama + " · " : "") + r.pelapor);
    dataRow(dl, "Kanal", r.kanal === "web" ? "Web chat (Chat Pak Polisi)" : "Matrix (Ngobrol Kamtibmas)");
    dataRow(dl, "Diterima sistem", D.waktu(r.dibuat));
    dataRow(dl, "Tanggapan pertama", r.tanggapan_pertama ? D.waktu(r.tanggapan_pertama) : "belum ada");
    if (r.alasan) dataRow(dl, "Alasan penolakan", r.alasan);
    var ol = document.getElementById("detail-riwayat");
    D.clear(ol);
    (r.riwayat || []).forEach(function (h) {
      ol.appendChild(D.el("li", {},
        badge("status", h.status, (cfg && cfg.status[h.status]) || h.status),
        " " + D.waktu(h.waktu) + " · oleh " + (h.oleh || "–") + (h.alasan ? " · alasan: " + h.alasan : "")));
    });
    var tombol = document.getElementById("detail-tombol");
    D.clear(tombol);
    var boleh = (cfg && cfg.transisi[r.status]) || [];
    document.getElementById("detail-aksi").hidden = !boleh.length;
    var LABEL = { diterima: "Terima", ditangani: "Tangani", selesai: "Selesai", ditolak: "Tolak" };
    ["diterima", "ditangani", "selesai", "ditolak"].forEach(function (s) {
      if (boleh.indexOf(s) < 0) return;
      var b = D.el("button", { type: "button", className: s === "ditolak" ? "bahaya" : "", text: LABEL[s] });
      b.dataset.status = s;
      b.addEventListener("click", function () { ubahStatus(r.id, s); });
      tombol.appendChild(b);
    });
  }

  function ubahStatus(id, status) {
    var alasanEl = document.getElementById("detail-alasan");
    var pesan = document.getElementById("detail-pesan");
    var alasan = alasanEl.value.trim();
    if (status === "ditolak" && !alasan) {
      pesan.textContent = "Tuliskan alasan penolakan terlebih dahulu.";
      pesan.className = "pesan-galat";
      alasanEl.focus();
      return;
    }
    pesan.textContent = "Menyimpan …";
    pesan.className = "";
    D.api("reports/" + encodeURIComponent(id) + "/status", { method: "POST", body: { status: status, alasan: alasan || null } })
      .then(function (r) {
        alasanEl.value = "";
        isiDetail(r);
        pesan.textContent = r.pesan;
        pesan.className = "pesan-ok";
        if (D.muatUlang) D.muatUlang();
      })
      .catch(function (e) { pesan.textContent = e.message; pesan.className = "pesan-galat"; });
  }

  D.bukaDetail = function (id) {
    bukaId = id;
    var dlg = document.getElementById("detail");
    document.getElementById("detail-pesan").textContent = "";
    document.getElementById("detail-alasan").value = "";
    D.api("reports/" + encodeURIComponent(id)).then(function (r) {
      if (bukaId !== id) return;
      isiDetail(r);
      if (!dlg.open) dlg.showModal();
    }).catch(function (e) { window.alert(e.message); });
  };
})();
