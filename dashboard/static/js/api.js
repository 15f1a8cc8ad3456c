/* Dasbor operator: API client and shared helpers. Reporter data is only ever put into the page
 * with textContent (el() below); never innerHTML. */
(function () {
  "use strict";
  var D = (window.Dasbor = window.Dasbor || {});
  var csrf = null;

  D.setCsrf = function (t) { csrf = t; };

  /* fetch JSON from the API (relative to /operator/). A 401 calls D.onLoggedOut. */
  D.api = function (path, opts) {
    opts = opts || {};
    var headers = { "Accept": "application/json" };
    var init = { method: opts.method || "GET", headers: headers, credentials: "same-origin", cache: "no-store" };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    if (init.method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    return fetch("api/" + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401 && !opts.noRedirect && D.onLoggedOut) D.onLoggedOut(data.pesan);
        if (!r.ok) {
          var err = new Error(data.pesan || ("Galat " + r.status));
          err.status = r.status; err.data = data;
          throw err;
        }
        return data;
      });
    });
  };

  /* el("td", {className: "x"}, "text", child...) -> element; strings become text nodes. */
  D.el = function (tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === "dataset") Object.assign(node.dataset, props[k]);
        else if (k === "text") node.textContent = props[k];
        else node[k] = props[k];
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  };

  D.clear = function (node) { while (node.firstChild) node.removeChild(node.firstChild); };

  var BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
  /* "2026-11-28T11:03:10+07:00" -> "28 Nov 2026 11.03" (the store's WIB wall time). */
  D.waktu = function (iso) {
    if (!iso) return "–";
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
    if (!m) return iso;
    return +m[3] + " " + BULAN[+m[2] - 1] + " " + m[1] + " " + m[4] + "." + m[5];
  };

  D.durasi = function (detik) {
    if (detik === null || detik === undefined) return "–";
    if (detik < 60) return Math.round(detik) + " detik";
    if (detik < 3600) return Math.round(detik / 60) + " menit";
    if (detik < 86400) return (detik / 3600).toFixed(1).replace(".", ",") + " jam";
    return (detik / 86400).toFixed(1).replace(".", ",") + " hari";
  };

  /* Colours: fill by kind, outline by status (also in the legend and the CSS badges). */
  D.WARNA_JENIS = {
    gangguan_kamtibmas: "#c62828", kecelakaan_lalu_lintas: "#ef6c00",
    bencana_alam: "#1565c0", lainnya: "#6a1b9a"
  };
  D.WARNA_STATUS = {
    baru: "#d50000", diterima: "#f9a825", ditangani: "#2e7d32", selesai: "#616161", ditolak: "#212121"
  };
})();
