// HashScope page script: live indicator, pause/resume and the row cap. Rendering and swapping are the server's
// and htmx's job; this only reacts to hx-sse events. No data from traffic is ever turned into markup here: rows
// arrive as escaped HTML from the server.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var LABELS = {
    static: "static page",
    connecting: "connecting…",
    live: "live",
    reconnecting: "reconnecting…",
    closed: "disconnected",
    paused: "live · paused",
    ended: "session closed",
  };
  var DEFAULT_CAP = 500;
  var held = []; // batches (HTML) that arrived while paused, oldest first

  var live = {
    status: "connecting",
    paused: false,
    held: 0,
    skipped: 0,
    stats: null,
    ended: false,
    get state() {
      if (this.ended) return "ended";
      return this.paused && this.status === "live" ? "paused" : this.status;
    },
    get label() {
      return LABELS[this.state] || this.state;
    },
    toggle: function () {
      live.paused = !live.paused;
      if (!live.paused) flush();
    },
    /** Overview cards: keep the server-rendered number until the first `stats` event (CSP build: no statements in attributes). */
    paint: function (el, key) {
      if (this.stats) el.textContent = this.fmt(key);
    },
    fmt: function (key) {
      var v = live.stats ? live.stats[key] : null;
      if (typeof v !== "number") return "";
      return key === "messages_per_s" ? v.toLocaleString("en-US", { maximumFractionDigits: 1 }) : v.toLocaleString("en-US");
    },
  };
  // Every htmx request to our own origin carries the page's CSRF token (forms also carry it as a field; this covers
  // an hx-post outside a form). The server puts the token in the page's csrf-token meta tag.
  document.addEventListener("htmx:config:request", function (e) {
    var req = e.detail && e.detail.ctx && e.detail.ctx.request;
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (!req || !meta || new URL(req.action || "", location.href).origin !== location.origin) return;
    req.headers["X-CSRF-Token"] = meta.getAttribute("content");
  });
  document.addEventListener("alpine:init", function () {
    window.Alpine.store("live", live);
    live = window.Alpine.store("live"); // the reactive proxy from now on
  });
  window.hashscope = {
    state: function () {
      return { status: live.status, paused: live.paused, held: live.held, skipped: live.skipped };
    },
  };

  function rowCount(html) {
    var n = 0;
    for (var i = html.indexOf("<tr "); i !== -1; i = html.indexOf("<tr ", i + 1)) n++;
    return n;
  }

  /** Drop rows past the cap (oldest are at the bottom) and point "older" at the oldest row still shown. */
  function trim(tbody) {
    var cap = Number(tbody.getAttribute("data-cap")) || DEFAULT_CAP;
    var rows = tbody.rows;
    var older = document.getElementById("older");
    if (rows.length > cap) {
      var r = document.createRange();
      r.setStartBefore(rows[cap]);
      r.setEndAfter(tbody.lastChild);
      r.deleteContents();
      // Rows just left the page: now there is something older.
      if (older) older.hidden = false;
    }
    var last = rows[rows.length - 1];
    if (last && older) {
      var u = new URL(older.href, location.href);
      u.searchParams.set("before", last.getAttribute("data-seq"));
      older.href = u.pathname + u.search;
    }
    var empty = document.getElementById("empty-note");
    if (empty && rows.length) empty.remove();
  }

  function flush() {
    var tbody = document.getElementById("rows");
    if (tbody) {
      for (var i = 0; i < held.length; i++) tbody.insertAdjacentHTML("afterbegin", held[i]);
      trim(tbody);
    }
    held = [];
    live.held = 0;
  }

  var isRows = function (e) {
    return e.target && e.target.id === "rows";
  };

  document.addEventListener("htmx:sse:before:connection", function (e) {
    var c = e.detail && e.detail.connection;
    live.status = (c && c.attempt > 0) || live.status === "live" ? "reconnecting" : "connecting";
  });
  document.addEventListener("htmx:sse:after:connection", function () {
    live.status = "live";
  });
  document.addEventListener("htmx:sse:error", function () {
    live.status = "reconnecting";
  });
  document.addEventListener("htmx:sse:close", function () {
    live.status = "closed";
  });

  /** Paused: keep the connection (so nothing is lost) but hold the rows; the newest `cap` rows are kept. */
  function hold(el, data) {
    held.push(data);
    live.held += rowCount(data);
    var cap = Number(el.getAttribute("data-cap")) || DEFAULT_CAP;
    while (held.length > 1 && live.held - rowCount(held[0]) >= cap) live.held -= rowCount(held.shift());
  }
  document.addEventListener("htmx:sse:before:message", function (e) {
    var m = e.detail.message;
    if (!live.paused || m.event || !isRows(e)) return;
    e.detail.cancelled = true;
    hold(e.target, m.data);
  });
  document.addEventListener("htmx:sse:after:message", function (e) {
    if (isRows(e) && !e.detail.message.event) trim(e.target);
  });

  // One stream for all tabs (stream-worker.js): before htmx starts, the live views' hx-sse:connect become
  // subscriptions to the shared worker, and its events are swapped here the way hx-swap says. Without SharedWorker
  // (some mobile browsers) htmx keeps its own connection per page.
  var views = {};
  function swap(el, data) {
    var how = el.getAttribute("hx-swap") || "innerHTML";
    if (how === "afterbegin") el.insertAdjacentHTML("afterbegin", data);
    else if (how === "innerHTML") el.innerHTML = data;
    else return; // "none": the page reacts to named events only
    if (window.htmx) window.htmx.process(el);
  }
  function onShared(m) {
    var d = m.data || {};
    var el = views[d.key];
    if (!el) return;
    if (d.type === "status") {
      if (live.status !== "closed" || d.status === "live") live.status = d.status;
      return;
    }
    if (d.type !== "event") return;
    if (d.event === "stream-error") {
      live.status = "closed";
      return;
    }
    if (d.event) {
      el.dispatchEvent(new CustomEvent(d.event, { bubbles: true, detail: { data: d.data } }));
      return;
    }
    // The same before/after events htmx's SSE sends, so pause, trim (above) and any listener work either way.
    var message = { data: d.data, event: "" };
    var before = { message: message, cancelled: false };
    el.dispatchEvent(new CustomEvent("htmx:sse:before:message", { bubbles: true, detail: before }));
    if (before.cancelled) return;
    swap(el, d.data);
    el.dispatchEvent(new CustomEvent("htmx:sse:after:message", { bubbles: true, detail: { message: message } }));
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof SharedWorker !== "function") return;
    var els = document.querySelectorAll("[hx-sse\\:connect]");
    if (!els.length) return;
    var port;
    try {
      port = new SharedWorker("/static/stream-worker.js").port;
    } catch (_) {
      return; // htmx connects itself
    }
    port.onmessage = onShared;
    port.start();
    for (var i = 0; i < els.length; i++) {
      var url = els[i].getAttribute("hx-sse:connect");
      els[i].removeAttribute("hx-sse:connect");
      els[i].setAttribute("data-stream", url);
      var key = String(i);
      views[key] = els[i];
      port.postMessage({ type: "sub", key: key, url: url });
    }
    setInterval(function () {
      port.postMessage({ type: "ping" });
    }, 5000);
    window.addEventListener("pagehide", function () {
      port.postMessage({ type: "bye" });
    });
  });

  // Named server events.
  document.addEventListener("stats", function (e) {
    try {
      live.stats = JSON.parse(e.detail.data);
    } catch (_) {}
  });
  document.addEventListener("skipped", function (e) {
    live.skipped += Number(e.detail.data) || 0;
  });
  // The session this page watches has closed: no more rows will come.
  document.addEventListener("ended", function () {
    live.ended = true;
    live.paused = false;
    flush();
  });
  document.addEventListener("reset", function () {
    var tbody = document.getElementById("rows");
    if (tbody) tbody.textContent = "";
    held = [];
    live.held = 0;
  });
  /** One element from server-rendered (escaped) HTML. */
  function fragment(data) {
    var t = document.createElement("template");
    t.innerHTML = data;
    return t.content.firstElementChild;
  }
  /**
   * Replace the element with the same id; when there is none, put it into `containerId` (if given): in order of the
   * `orderAttr` attribute when given (as the server sorts it), else at the end.
   */
  function place(data, containerId, orderAttr) {
    var el = fragment(data);
    if (!el || !el.id) return;
    var old = document.getElementById(el.id);
    if (old) old.replaceWith(el);
    else {
      var box = containerId && document.getElementById(containerId);
      if (!box) return;
      var key = orderAttr && el.getAttribute(orderAttr);
      var next = null;
      if (key !== null && key !== undefined && key !== "")
        for (var c = box.firstElementChild; c && !next; c = c.nextElementSibling)
          if ((c.getAttribute(orderAttr) || "").localeCompare(key) > 0) next = c;
      box.insertBefore(el, next);
    }
    if (window.htmx) window.htmx.process(el);
  }
  document.addEventListener("session-card", function (e) {
    place(e.detail.data, null);
  });
  // Fleet page: one card per agent (replaced in place; a new agent goes where the server's id order puts it).
  document.addEventListener("agent-card", function (e) {
    var empty = document.getElementById("agents-empty");
    if (empty) empty.remove();
    place(e.detail.data, "agent-cards", "data-agent");
  });
  document.addEventListener("agent-removed", function (e) {
    var el = document.getElementById(String(e.detail.data));
    if (el && el.classList.contains("agent")) el.remove();
  });
  document.addEventListener("fleet-summary", function (e) {
    place(e.detail.data, null);
  });
  // Block propagation: the whole section, replaced in place.
  document.addEventListener("fleet-blocks", function (e) {
    place(e.detail.data, null);
  });
  document.addEventListener("fleet-latency", function (e) {
    place(e.detail.data, null);
  });
  document.addEventListener("fleet-checks", function (e) {
    place(e.detail.data, null);
  });
  document.addEventListener("fleet-pools", function (e) {
    place(e.detail.data, null);
  });

  // "12 s ago" texts stay true between updates (the same steps as src/ui/agents.ts age()).
  function age(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }
  setInterval(function () {
    var els = document.querySelectorAll("[data-age]");
    for (var i = 0; i < els.length; i++) {
      var t = age(els[i].getAttribute("data-age"));
      if (els[i].textContent !== t) els[i].textContent = t;
    }
  }, 1000);
})();
