/* Chat Pak Polisi web widget: the optional "Bagikan lokasi" step of the report form.
 *
 * When the report form asks for the location, action_ask_lokasi_kejadian also sends the custom
 * marker {minta_lokasi: true} (bot_uttered). widget.js then calls ChatLokasi.offer(), which shows a
 * "📍 Bagikan lokasi" button under the question. On click the browser's position is sent as the
 * answer "Lokasi dari perangkat (±N m)" with message metadata {lokasi_gps: {lat, lon, akurasi_m}};
 * the action server validates it and puts lat/lon on the report (actions/lapor_lokasi.py).
 * On any error the user is told in Indonesian and simply types the address. No innerHTML.
 * Without navigator.geolocation (or outside a secure context) no button is shown.
 */
(function () {
  "use strict";

  var TXT = {
    button: "📍 Bagikan lokasi",
    busy: "Mencari lokasi…",
    label: "Bagikan lokasi perangkat",
    answer: function (m) { return "Lokasi dari perangkat (±" + m + " m)"; },
    denied: "Izin lokasi ditolak; tuliskan alamatnya saja.",
    failed: "Lokasi perangkat tidak dapat ditemukan; tuliskan alamatnya saja."
  };
  var OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 };

  function available() {
    return !!(navigator.geolocation && typeof navigator.geolocation.getCurrentPosition === "function" &&
      window.isSecureContext !== false);
  }

  function note(box, text) {
    box.textContent = "";
    var p = document.createElement("p");
    p.className = "lokasi-note";
    p.setAttribute("role", "status");
    p.textContent = text;
    box.appendChild(p);
  }

  // ui: {log, input, send(text, display, metadata), scrollDown}. The box has class "qr", so the
  // widget removes it like quick replies once the user answers or the bot says something else.
  function offer(ui) {
    if (!available()) return;
    var box = document.createElement("div");
    box.className = "qr lokasi";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", TXT.label);
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "lokasi-btn";
    btn.textContent = TXT.button;
    btn.addEventListener("click", function () {
      btn.disabled = true;
      btn.textContent = TXT.busy;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var c = pos && pos.coords;
        if (!c || !isFinite(c.latitude) || !isFinite(c.longitude)) { note(box, TXT.failed); return; }
        var gps = { lat: c.latitude, lon: c.longitude };
        var acc = isFinite(c.accuracy) ? Math.max(1, Math.round(c.accuracy)) : null;
        if (acc !== null) gps.akurasi_m = acc;
        ui.send(acc !== null ? TXT.answer(acc) : "Lokasi dari perangkat", null, { lokasi_gps: gps });
      }, function (err) {
        note(box, err && err.code === 1 ? TXT.denied : TXT.failed);  // 1 = PERMISSION_DENIED
        ui.scrollDown();
        ui.input.focus();
      }, OPTIONS);
    });
    box.appendChild(btn);
    ui.log.appendChild(box);
    ui.scrollDown();
  }

  window.ChatLokasi = { offer: offer, available: available };
})();
