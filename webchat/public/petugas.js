/* Chat Pak Polisi web widget: messages from a live officer (human handoff, issue 15).
 *
 * When a citizen asks for an officer and an operator answers in #operator-polres, the Kamtibmas
 * service pushes each message into this socket.io session as a custom payload
 * {handoff: {id, dari: "petugas"|"sistem", nama, teks, tiket}} (handoff/web_gateway.py).
 * widget.js hands it to ChatPetugas.item(): every id is shown once (a push repeated after a
 * restart is dropped), officer messages are marked with the officer's name, notices of the
 * service (claimed, handed back, nobody there) look like bot messages. The same messages are in
 * the conversation's tracker (bot events with data.handoff), so a history restored from the
 * tracker shows them too (ChatPetugas.restored). No innerHTML.
 */
(function () {
  "use strict";

  var KEY_SEEN = "cpp.handoff.seen";
  var MAX_SEEN = 500;
  var TXT = { officer: "Petugas Polres Batang", role: "petugas" };

  function seen() {
    try { return JSON.parse(localStorage.getItem(KEY_SEEN) || "[]"); } catch (e) { return []; }
  }
  function remember(id) {
    var list = seen();
    list.push(id);
    try { localStorage.setItem(KEY_SEEN, JSON.stringify(list.slice(-MAX_SEEN))); } catch (e) { /* full */ }
  }

  // The history item of a handoff message restored from the conversation's tracker.
  function restored(h) {
    var id = "handoff-" + String(h.id);
    if (seen().indexOf(id) < 0) remember(id);
    return toItem(h, id);
  }

  // The history item to show for a pushed handoff message, or null when it was shown already.
  function item(h) {
    if (!h || typeof h.teks !== "string" || !h.teks) return null;
    var id = "handoff-" + String(h.id);
    if (seen().indexOf(id) >= 0) return null;
    remember(id);
    return toItem(h, id);
  }

  function toItem(h, id) {
    var out = { from: "bot", text: String(h.teks || ""), id: id };
    if (h.dari === "petugas") {
      out.petugas = true;
      out.nama = typeof h.nama === "string" && h.nama ? h.nama : TXT.officer;
    }
    return out;
  }

  // Marks a rendered row as an officer's message: class, visible name, screen-reader name.
  function decorate(row, it) {
    if (!row || !it || !it.petugas) return row;
    row.classList.add("petugas");
    var bubble = row.querySelector(".bubble");
    var sr = bubble.querySelector(".sr-only");
    if (sr) sr.textContent = it.nama + " (" + TXT.role + "): ";
    var label = document.createElement("span");
    label.className = "petugas-label";
    label.setAttribute("aria-hidden", "true");
    label.textContent = "👮 " + it.nama;
    bubble.insertBefore(label, sr ? sr.nextSibling : bubble.firstChild);
    return row;
  }

  window.ChatPetugas = { item: item, restored: restored, decorate: decorate };
})();
