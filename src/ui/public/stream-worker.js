// HashScope's shared stream: one SSE connection per browser for all its tabs (browsers allow six HTTP/1.1
// connections per host; with one stream per tab a seventh tab never loaded). Tabs (app.js) subscribe their live views'
// stream paths; this worker asks the server for all of them on one connection (/ui/stream/multi) and hands each event
// to the tabs that asked for it. It only routes text: rendering stays the server's, swapping stays the page's.
"use strict";

var tabs = []; // { port, subs: { key: url }, seen: ms }
var lastIds = {}; // url -> last event id seen (resume after a reconnect)
var conn = null; // { ctrl, urls }
var status = "connecting";
var retryMs = 500;
var soon = null;

function wantedUrls() {
  var set = {};
  tabs.forEach(function (t) {
    for (var k in t.subs) set[t.subs[k]] = true;
  });
  return Object.keys(set).sort();
}

function tell(msg, url) {
  tabs.forEach(function (t) {
    for (var k in t.subs)
      if (url === undefined || t.subs[k] === url) {
        var m = {};
        for (var f in msg) m[f] = msg[f];
        m.key = k;
        t.port.postMessage(m);
      }
  });
}

function setStatus(s) {
  status = s;
  tell({ type: "status", status: s });
}

/** Reconnect with the current set of streams, a moment later so several subscriptions come as one. */
function changed() {
  if (soon) return;
  soon = setTimeout(function () {
    soon = null;
    var urls = wantedUrls();
    if (conn && conn.urls.join("\n") === urls.join("\n")) return;
    if (conn) conn.ctrl.abort();
    conn = null;
    if (urls.length) open(urls);
  }, 30);
}

function open(urls) {
  var ctrl = new AbortController();
  var me = { ctrl: ctrl, urls: urls };
  conn = me;
  var qs = urls
    .map(function (u) {
      return "u=" + encodeURIComponent(u) + "&l=" + encodeURIComponent(lastIds[u] || "");
    })
    .join("&");
  fetch("/ui/stream/multi?" + qs, { signal: ctrl.signal, credentials: "same-origin", headers: { accept: "text/event-stream" } })
    .then(function (res) {
      if (!res.ok || !res.body) throw new Error("status " + res.status);
      retryMs = 500;
      setStatus("live");
      var reader = res.body.getReader();
      var dec = new TextDecoder();
      var buf = "";
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          buf += dec.decode(r.value, { stream: true });
          var end;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            var block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (block.indexOf("data: ") !== 0) continue; // comments, retry
            var f;
            try {
              f = JSON.parse(block.slice(6));
            } catch (_) {
              continue;
            }
            var url = urls[f.s];
            if (url === undefined) continue;
            if (f.i !== null && f.i !== undefined) lastIds[url] = f.i;
            tell({ type: "event", event: f.e, data: f.d }, url);
          }
          return pump();
        });
      }
      return pump();
    })
    .catch(function () {})
    .then(function () {
      if (conn !== me) return; // replaced on purpose
      conn = null;
      setStatus("reconnecting");
      setTimeout(function () {
        if (!conn) {
          var again = wantedUrls();
          if (again.length) open(again);
        }
      }, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
}

// Tabs say goodbye when they close; one that vanished without a word is forgotten after 20 s without a ping.
setInterval(function () {
  var now = Date.now();
  var before = tabs.length;
  tabs = tabs.filter(function (t) {
    return now - t.seen < 20000;
  });
  if (tabs.length !== before) changed();
}, 5000);

self.onconnect = function (e) {
  var port = e.ports[0];
  var tab = { port: port, subs: {}, seen: Date.now() };
  tabs.push(tab);
  port.onmessage = function (m) {
    var d = m.data || {};
    tab.seen = Date.now();
    if (d.type === "sub") {
      tab.subs[d.key] = d.url;
      port.postMessage({ type: "status", status: conn ? status : "connecting", key: d.key });
      changed();
    } else if (d.type === "bye") {
      tabs = tabs.filter(function (t) {
        return t !== tab;
      });
      changed();
    }
  };
  port.start();
};
