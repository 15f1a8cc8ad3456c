/* Chat Pak Polisi web widget: the safe markdown subset, rendered as DOM nodes.
 *
 * Text from the bot or the user NEVER goes through innerHTML: this builds elements with
 * createElement / createTextNode and only creates links whose URL parses as http:, https: or tel:.
 * Used by widget.js (window.ChatMarkdown.render); loaded before it by index.html.
 */
(function () {
  "use strict";

  var SAFE_SCHEMES = { "http:": 1, "https:": 1, "tel:": 1 };
  function safeHref(url) {
    try {
      var u = new URL(url, "http://invalid.invalid/");
      if (!SAFE_SCHEMES[u.protocol] || u.host === "invalid.invalid") return null;
      return u.href;
    } catch (e) { return null; }
  }
  function link(label, url) {
    var href = safeHref(url);
    if (!href) return document.createTextNode(label);
    var a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    if (!/^tel:/.test(href)) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
    return a;
  }
  // Order matters: markdown link, bare URL, bold, italic. No look-behind (old Android WebViews).
  var INLINE =
    "\\[([^\\]\\n]+)\\]\\(((?:https?:\\/\\/|tel:)[^\\s)]+)\\)" +           // 1,2 [label](url)
    "|(https?:\\/\\/[^\\s<>\"']*[^\\s<>\"'.,;:!?)\\]])" +                     // 3 bare url
    "|\\*\\*([^\\n]+?)\\*\\*|__([^\\n]+?)__" +                               // 4,5 bold
    "|(^|[\\s(])\\*([^*\\s](?:[^*\\n]*[^*\\s])?)\\*(?![\\w*])" +              // 6,7 *italic*
    "|(^|[\\s(])_([^_\\s](?:[^_\\n]*[^_\\s])?)_(?![\\w_])";                      // 8,9 _italic_
  function renderInline(text, parent, depth) {
    var last = 0, m;
    var re = new RegExp(INLINE, "g");
    while ((m = re.exec(text)) !== null) {
      var start = m.index;
      var prefix = m[6] !== undefined && m[7] !== undefined ? m[6] : m[8] !== undefined && m[9] !== undefined ? m[8] : "";
      if (start + prefix.length > last) parent.appendChild(document.createTextNode(text.slice(last, start + prefix.length)));
      if (m[1] !== undefined) parent.appendChild(link(m[1], m[2]));
      else if (m[3] !== undefined) parent.appendChild(link(m[3], m[3]));
      else {
        var bold = m[4] !== undefined || m[5] !== undefined;
        var inner = m[4] !== undefined ? m[4] : m[5] !== undefined ? m[5] : m[7] !== undefined ? m[7] : m[9];
        var el = document.createElement(bold ? "strong" : "em");
        if (depth < 2) renderInline(inner, el, depth + 1); else el.textContent = inner;
        parent.appendChild(el);
      }
      last = re.lastIndex;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }
  var UL_ITEM = /^\s*(?:[-*•])\s+(.*)$/;
  var OL_ITEM = /^\s*(\d{1,3})[.)]\s+(.*)$/;
  function renderMarkdown(text, parent) {
    var lines = String(text == null ? "" : text).replace(/\r\n?/g, "\n").split("\n");
    var para = null, list = null, listType = null;
    function flushPara() { para = null; }
    lines.forEach(function (line) {
      var mu = UL_ITEM.exec(line), mo = OL_ITEM.exec(line);
      if (mu || mo) {
        var type = mu ? "ul" : "ol";
        if (!list || listType !== type) {
          list = document.createElement(type); listType = type;
          if (mo && mo[1] !== "1") list.start = parseInt(mo[1], 10);
          parent.appendChild(list);
        }
        var li = document.createElement("li");
        renderInline(mu ? mu[1] : mo[2], li, 0);
        list.appendChild(li);
        flushPara();
        return;
      }
      list = null; listType = null;
      if (!line.trim()) { flushPara(); return; }
      if (!para) { para = document.createElement("p"); parent.appendChild(para); }
      else para.appendChild(document.createElement("br"));
      renderInline(line, para, 0);
    });
  }

  window.ChatMarkdown = { render: renderMarkdown };
})();
