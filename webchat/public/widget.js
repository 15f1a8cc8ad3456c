/* Chat Pak Polisi web widget: plain JS + socket.io-client (vendor/socket.io.min.js).
 *
 * Safety rule: text from the bot or the user NEVER goes through innerHTML. The markdown renderer
 * (markdown.js) builds DOM nodes (createElement / createTextNode) and only creates links whose
 * URL parses as http:, https: or tel:.
 */
(function () {
  "use strict";

  var KEY_SESSION = "cpp.session";
  var KEY_HISTORY = "cpp.history";
  var KEY_OUTBOX = "cpp.outbox";
  var ACK_TIMEOUT_MS = 60000;
  var TXT = {
    connecting: "Menghubungkan ke Pak Polisi…",
    offline: "Terputus, mencoba menghubungkan lagi…",
    online: "Terhubung kembali.",
    pending: "Menunggu koneksi…",
    noReply: "Maaf, Pak Polisi belum membalas pesan Anda. Silakan coba kirim lagi sebentar lagi.",
    configError: "Maaf, layanan chat sedang tidak tersedia. Untuk keadaan darurat telepon 110 atau 112.",
    typing: " sedang mengetik…",
    image: "Lihat gambar",
    choices: "Pilihan jawaban",
    you: "Anda",
    resetConfirm: "Mulai percakapan baru? Riwayat percakapan di perangkat ini akan dihapus."
  };

  var $ = function (id) { return document.getElementById(id); };
  var els = {};
  var config = null;
  var socket = null;
  var sessionId = null;
  var confirmed = false;   // session_confirm received on the current connection
  var inflight = null;     // outbox item waiting for its ack
  var history = [];        // [{from: "user"|"bot", text, buttons?, id?}]
  var everConnected = false;

  // ---------------------------------------------------------------- storage
  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* quota / private mode */ }
  }
  function newId() {
    var a = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function outbox() { return load(KEY_OUTBOX, []); }
  function setOutbox(list) { save(KEY_OUTBOX, list); }
  function saveHistory() {
    var max = (config && config.maxHistory) || 200;
    if (history.length > max) history = history.slice(history.length - max);
    save(KEY_HISTORY, { session: sessionId, items: history });
  }

  var renderMarkdown = window.ChatMarkdown.render;  // markdown.js (loaded first)

  // ---------------------------------------------------------------- rendering
  function scrollDown() { els.log.scrollTop = els.log.scrollHeight; }
  function clearQuickReplies() {
    var old = els.log.querySelectorAll(".qr");
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
  }
  function renderQuickReplies(buttons) {
    clearQuickReplies();
    if (!buttons || !buttons.length) return;
    var box = document.createElement("div");
    box.className = "qr";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", TXT.choices);
    buttons.forEach(function (b) {
      if (!b || (b.title == null && b.payload == null)) return;
      var btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = String(b.title != null ? b.title : b.payload);
      btn.addEventListener("click", function () {
        send(String(b.payload != null ? b.payload : b.title), String(b.title != null ? b.title : b.payload));
        // the clicked button is gone: keep focus in the chat. On touch screens focus the log,
        // not the text box, so the on-screen keyboard does not pop up and hide the answer.
        if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) els.log.focus();
        else els.input.focus();
      });
      box.appendChild(btn);
    });
    els.log.appendChild(box);
  }
  function renderMessage(item, opts) {
    opts = opts || {};
    var row = document.createElement("div");
    row.className = "msg " + (item.from === "user" ? "user" : "bot") + (opts.greeting ? " greeting" : "");
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    var who = document.createElement("span");
    who.className = "sr-only";
    who.textContent = (item.from === "user" ? TXT.you : botName()) + ": ";
    bubble.appendChild(who);
    if (item.from === "user") {
      // user text: plain text only, line breaks kept
      String(item.text).split("\n").forEach(function (line, i) {
        if (i) bubble.appendChild(document.createElement("br"));
        bubble.appendChild(document.createTextNode(line));
      });
    } else {
      renderMarkdown(item.text, bubble);
      if (item.image) {
        var p = document.createElement("p");
        p.appendChild(link(TXT.image, item.image));
        bubble.appendChild(p);
      }
    }
    if (item.id) row.setAttribute("data-id", item.id);
    row.appendChild(bubble);
    els.log.appendChild(row);
    if (item.pending) markPending(item.id, true);
    return row;
  }
  function markPending(id, pending) {
    var row = els.log.querySelector('.msg[data-id="' + id + '"]');
    if (!row) return;
    var tag = row.querySelector(".state");
    if (pending) {
      row.classList.add("pending");
      if (!tag) {
        tag = document.createElement("span");
        tag.className = "state";
        tag.textContent = TXT.pending;
        row.querySelector(".bubble").appendChild(tag);
      }
    } else {
      row.classList.remove("pending");
      if (tag) tag.parentNode.removeChild(tag);
    }
  }
  function botName() { return (config && config.brand && config.brand.botName) || "Pak Polisi"; }
  function renderAll() {
    els.log.textContent = "";
    var greet = (config && config.greeting) || [];
    // Greeting is static page content; it is not announced again on every render.
    els.log.setAttribute("aria-live", "off");
    greet.forEach(function (t) { renderMessage({ from: "bot", text: t }, { greeting: true }); });
    var pendingIds = {};
    outbox().forEach(function (o) { pendingIds[o.id] = 1; });
    history.forEach(function (h) {
      var row = renderMessage({ from: h.from, text: h.text, image: h.image, id: h.id, pending: h.id && pendingIds[h.id] });
      if (h.petugas && window.ChatPetugas) window.ChatPetugas.decorate(row, h);
    });
    var lastItem = history[history.length - 1];
    if (!history.length && config && config.suggestions) renderQuickReplies(config.suggestions);
    else if (lastItem && lastItem.from === "bot" && lastItem.buttons) renderQuickReplies(lastItem.buttons);
    scrollDown();
    setTimeout(function () { els.log.setAttribute("aria-live", "polite"); }, 0);
  }

  // ---------------------------------------------------------------- status banner / typing
  var okTimer = null;
  function setConn(state) {
    clearTimeout(okTimer);
    var b = els.conn;
    if (state === "online") {
      if (b.hidden) return;
      if (!everConnected) { b.hidden = true; return; }
      b.className = "conn ok"; b.textContent = TXT.online;
      okTimer = setTimeout(function () { b.hidden = true; }, 2500);
      return;
    }
    b.className = "conn";
    b.textContent = state === "offline" ? TXT.offline : state === "connecting" ? TXT.connecting : state;
    b.hidden = false;
  }
  function typing(on) {
    els.typing.hidden = !on;
    if (on) scrollDown();
  }

  // ---------------------------------------------------------------- bot messages
  function normalizeBot(data) {
    // Rasa socketio output: {text}, {text, quick_replies:[{title,payload}]}, {attachment:{type,payload}}
    if (data == null) return null;
    if (typeof data === "string") return { text: data };
    var out = { text: typeof data.text === "string" ? data.text : "" };
    var qr = data.quick_replies || data.buttons;
    if (Array.isArray(qr) && qr.length) {
      out.buttons = qr.map(function (b) { return { title: b.title, payload: b.payload }; });
    }
    var att = data.attachment;
    if (att && att.type === "image" && att.payload && typeof att.payload.src === "string") out.image = att.payload.src;
    if (!out.text && !out.buttons && !out.image) {
      if (data.data && typeof data.data.text === "string") out.text = data.data.text; // send_custom_json
      else return null;
    }
    return out;
  }
  function onBotMessage(data) {
    if (data && data.minta_lokasi === true) {   // report form asks for the location: lokasi.js
      if (window.ChatLokasi) window.ChatLokasi.offer({ log: els.log, input: els.input, send: send, scrollDown: scrollDown });
      return;
    }
    if (data && data.handoff) {   // a live officer's message or a handoff notice: petugas.js
      var h = window.ChatPetugas ? window.ChatPetugas.item(data.handoff) : null;
      if (!h) return;
      history.push(h);
      saveHistory();
      clearQuickReplies();
      window.ChatPetugas.decorate(renderMessage(h), h);
      scrollDown();
      return;
    }
    var m = normalizeBot(data);
    if (!m) return;
    var item = { from: "bot", text: m.text };
    if (m.buttons) item.buttons = m.buttons;
    if (m.image) item.image = m.image;
    history.push(item);
    saveHistory();
    clearQuickReplies();
    renderMessage(item);
    if (m.buttons) renderQuickReplies(m.buttons);
    scrollDown();
  }

  // ---------------------------------------------------------------- sending (persistent outbox)
  function send(text, display, meta) {   // meta: extra message metadata (e.g. lokasi_gps)
    text = String(text).trim();
    if (!text) return;
    display = display ? String(display) : text;
    var id = newId();
    var box = outbox();
    box.push(meta ? { id: id, text: text, display: display, meta: meta } : { id: id, text: text, display: display });
    setOutbox(box);
    var item = { from: "user", text: display, id: id };
    history.push(item);
    saveHistory();
    clearQuickReplies();
    renderMessage({ from: "user", text: display, id: id, pending: true });
    scrollDown();
    flush();
  }
  function flush() {
    if (inflight || !socket || !socket.connected || !confirmed) return;
    var box = outbox();
    if (!box.length) return;
    var item = box[0];
    inflight = item.id;
    typing(true);
    var connAtSend = socket.id;
    var metadata = { display_text: item.display, client_msg_id: item.id };
    if (item.meta && typeof item.meta === "object") {
      Object.keys(item.meta).forEach(function (k) { if (!(k in metadata)) metadata[k] = item.meta[k]; });
    }
    socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", {
      message: item.text,
      session_id: sessionId,
      metadata: metadata
    }, function (err) {
      inflight = null;
      if (err) {
        typing(false);
        if (socket.connected && socket.id === connAtSend) {
          // Still connected but no acknowledgement within ACK_TIMEOUT_MS: Rasa probably handled it
          // slowly or not at all. Do not re-send automatically (that could duplicate a report).
          setOutbox(outbox().filter(function (o) { return o.id !== item.id; }));
          onBotMessage({ text: TXT.noReply });
          flush();
        } else {
          // The connection dropped: keep it queued, it is re-sent after session_confirm
          // (or right away if the socket is already back).
          markPending(item.id, true);
          flush();
        }
        return;
      }
      setOutbox(outbox().filter(function (o) { return o.id !== item.id; }));
      markPending(item.id, false);
      typing(false);
      flush();
    });
    markPending(item.id, false);
  }

  // ---------------------------------------------------------------- history from the tracker
  function historyFromTracker(tracker) {
    var items = [];
    (tracker.events || []).forEach(function (ev) {
      if (ev.event === "user") {
        var md = ev.metadata || {};
        var text = typeof md.display_text === "string" ? md.display_text : ev.text;
        if (text) items.push({ from: "user", text: text, id: md.client_msg_id });
      } else if (ev.event === "bot" && ev.data && ev.data.handoff && window.ChatPetugas) {
        items.push(window.ChatPetugas.restored(ev.data.handoff));   // an officer's message: petugas.js
      } else if (ev.event === "bot") {
        var m = normalizeBot({
          text: ev.text,
          quick_replies: ev.data && (ev.data.quick_replies || ev.data.buttons),
          attachment: ev.data && ev.data.image ? { type: "image", payload: { src: ev.data.image } } : null
        });
        if (m) items.push({ from: "bot", text: m.text, buttons: m.buttons, image: m.image });
      }
    });
    return items;
  }
  function restoreFromTracker() {
    var url = "history/" + encodeURIComponent(sessionId);   // Rasa tracker, via webchat/serve.py
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, 8000);
    return fetch(url, { signal: ctrl ? ctrl.signal : undefined, cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (tracker) {
        var restored = historyFromTracker(tracker);
        // messages still queued locally (never reached Rasa) stay at the end
        var known = {};
        restored.forEach(function (h) { if (h.id) known[h.id] = 1; });
        var queued = outbox().filter(function (o) { return !known[o.id]; });
        setOutbox(queued);
        queued.forEach(function (o) { restored.push({ from: "user", text: o.display, id: o.id }); });
        history = restored;
        saveHistory();
        document.documentElement.setAttribute("data-history-source", "tracker");
      })
      .catch(function () {
        // Rasa unreachable: keep the local copy; it will be replaced next time.
        document.documentElement.setAttribute("data-history-source", "local");
      })
      .then(function () { clearTimeout(timer); });
  }

  // ---------------------------------------------------------------- socket
  function connect() {
    if (typeof window.io !== "function") { setConn(TXT.configError); return; }
    // No rasaUrl (behind the edge): socket.io on the page's own origin.
    socket = window.io(config.rasaUrl || undefined, {
      path: "/socket.io",
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      randomizationFactor: 0.3,
      timeout: 15000
    });
    socket.on("connect", function () {
      confirmed = false;
      // which transport carries the chat (diagnostics, tests): "polling", then "websocket"
      var engine = socket.io.engine;
      document.documentElement.setAttribute("data-transport", engine.transport.name);
      engine.once("upgrade", function (t) {
        document.documentElement.setAttribute("data-transport", t.name);
      });
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (sid) {
      var id = typeof sid === "string" ? sid : sid && sid.session_id;
      if (id && id !== sessionId) { sessionId = id; save(KEY_SESSION, sessionId); }
      confirmed = true;
      document.documentElement.setAttribute("data-conn", "online");
      setConn("online");
      everConnected = true;
      flush();
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function (reason) {
      confirmed = false;
      typing(false);
      document.documentElement.setAttribute("data-conn", "offline");
      setConn("offline");
      // the server closed the socket on purpose: socket.io does not retry by itself then
      if (reason === "io server disconnect") setTimeout(function () { socket.connect(); }, 1000);
    });
    socket.on("connect_error", function () {
      document.documentElement.setAttribute("data-conn", "offline");
      setConn("offline");
    });
    window.addEventListener("offline", function () { setConn("offline"); });
    window.addEventListener("online", function () { if (!socket.connected) socket.connect(); });
  }

  // ---------------------------------------------------------------- layout / UI wiring
  function fitViewport() {
    var vv = window.visualViewport;
    if (!vv) return;
    var apply = function () {
      document.documentElement.style.setProperty("--app-h", Math.round(vv.height) + "px");
      window.scrollTo(0, 0);
      scrollDown();
    };
    vv.addEventListener("resize", apply);
    apply();
  }
  function applyBranding() {
    var b = config.brand || {};
    var c = b.colors || {};
    var map = { primary: "--primary", onPrimary: "--on-primary", accent: "--accent", onAccent: "--on-accent",
      background: "--bg", surface: "--surface", text: "--text", muted: "--muted", userBubble: "--user",
      onUserBubble: "--on-user", botBubble: "--bot", onBotBubble: "--on-bot" };
    Object.keys(map).forEach(function (k) {
      if (typeof c[k] === "string" && /^#[0-9a-fA-F]{3,8}$/.test(c[k])) {
        document.documentElement.style.setProperty(map[k], c[k]);
      }
    });
    if (b.name) { els.brandName.textContent = b.name; document.title = b.name + (b.subtitle ? " – " + b.subtitle : ""); }
    if (b.subtitle != null) els.brandSub.textContent = b.subtitle;
    if (c.primary) { var meta = document.querySelector('meta[name="theme-color"]'); if (meta) meta.content = c.primary; }
    els.typingText.textContent = botName() + TXT.typing;
    els.footer.textContent = config.footer || "";
    var sos = config.emergency;
    if (Array.isArray(sos) && sos.length) {
      var links = els.sos.querySelectorAll("a");
      for (var i = 0; i < links.length; i++) links[i].parentNode.removeChild(links[i]);
      sos.forEach(function (e) {
        var num = String(e.number || "").replace(/[^0-9+]/g, "");
        if (!num) return;
        var a = document.createElement("a");
        a.className = "sos-link";
        a.href = "tel:" + num;
        a.textContent = num + (e.label ? " " + e.label : "");
        a.setAttribute("aria-label", "Telepon " + num + (e.label ? " (" + e.label + ")" : ""));
        els.sos.appendChild(a);
      });
    }
  }
  function wireComposer() {
    els.form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var t = els.input.value;
      if (!t.trim()) return;
      els.input.value = "";
      autosize();
      send(t);
      els.input.focus();
    });
    els.input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        if (els.form.requestSubmit) els.form.requestSubmit(); else els.send.click();
      }
    });
    function autosize() { els.input.style.height = "auto"; els.input.style.height = Math.min(els.input.scrollHeight + 2, 120) + "px"; }
    els.input.addEventListener("input", autosize);
    els.input.addEventListener("focus", function () { setTimeout(scrollDown, 300); });
    els.reset.addEventListener("click", function () {
      if (!window.confirm(TXT.resetConfirm)) return;
      try { [KEY_SESSION, KEY_HISTORY, KEY_OUTBOX].forEach(function (k) { localStorage.removeItem(k); }); } catch (e) {}
      location.reload();
    });
  }

  function start() {
    els = { log: $("log"), conn: $("conn"), typing: $("typing"), typingText: $("typing-text"), form: $("composer"),
      input: $("input"), send: $("send"), reset: $("reset"), footer: $("footer"), sos: $("sos"),
      brandName: $("brand-name"), brandSub: $("brand-sub") };
    wireComposer();
    fitViewport();
    fetch("config.json", { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (cfg) {
        config = cfg;
        applyBranding();
        sessionId = load(KEY_SESSION, null);
        if (typeof sessionId !== "string" || !/^[0-9a-zA-Z_-]{8,64}$/.test(sessionId)) {
          sessionId = newId(); save(KEY_SESSION, sessionId);
        }
        var local = load(KEY_HISTORY, null);
        history = local && local.session === sessionId && Array.isArray(local.items) ? local.items : [];
        renderAll();                      // fast: local copy first
        setConn("connecting");
        return restoreFromTracker().then(function () {
          renderAll();                    // authoritative: the tracker
          document.documentElement.setAttribute("data-ready", "1");
          connect();
        });
      })
      .catch(function () { setConn(TXT.configError); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // exposed for tests/debugging only (no secrets here)
  window.ChatPakPolisi = { renderMarkdown: renderMarkdown, session: function () { return sessionId; } };
})();
