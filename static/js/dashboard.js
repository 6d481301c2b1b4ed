// Live dashboards: a WebSocket brings the redrawn figures when a visit in the dashboard's
// scope changes (or says that something changed, and the page fetches them); the server
// decides what the user may see, suppressed as everywhere. The socket reconnects by itself,
// and the page says when it is offline.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  const dashboard = document.querySelector(".dashboard[data-socket]");
  if (!dashboard) return;
  const figures = document.getElementById("live-figures");
  const status = document.getElementById("live-status");
  const liveUrl = dashboard.dataset.liveUrl;
  const NOT_READABLE = 4404;
  const REFRESH_DELAY_MS = 150;
  const MAX_RETRY_MS = 10000;
  let retryMs = 1000;
  let refreshTimer = null;
  let everConnected = false;

  function say(state) {
    status.textContent = status.dataset[state];
    status.dataset.state = state;
    dashboard.dataset.live = state;
  }

  function redraw(html) {
    // Definitions a reader has opened stay open after the figures are redrawn.
    const open = Array.from(figures.querySelectorAll("details[open]")).map(function (d) {
      return d.closest("[data-indicator]").dataset.indicator;
    });
    figures.innerHTML = html;
    open.forEach(function (code) {
      const details = figures.querySelector('[data-indicator="' + code + '"] details');
      if (details) details.open = true;
    });
    dashboard.dataset.refreshed = String(Date.now());
  }

  function refresh() {
    refreshTimer = null;
    fetch(liveUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(redraw)
      .catch(function () { say("offline"); });
  }

  function scheduleRefresh() {
    // A burst of visits (a bulk ingest) redraws once.
    if (refreshTimer === null) refreshTimer = window.setTimeout(refresh, REFRESH_DELAY_MS);
  }

  // A connection can die without either end noticing (a tablet's Wi-Fi drops): a ping
  // that gets no answer in time closes it, and the close handler reconnects.
  const PING_EVERY_MS = 20000;
  const PONG_WITHIN_MS = 8000;
  let socket = null;

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + dashboard.dataset.socket);
    let pingTimer = null;
    let pongTimer = null;
    const current = socket;
    current.addEventListener("open", function () {
      retryMs = 1000;
      say("online");
      // From now on each change brings this period's figures; after an outage, the figures
      // are sent at once, since anything may have changed meanwhile.
      current.send(JSON.stringify({
        type: "follow", query: dashboard.dataset.periodQuery, refresh: everConnected
      }));
      everConnected = true;
      pingTimer = window.setInterval(function () {
        current.send(JSON.stringify({ type: "ping" }));
        pongTimer = window.setTimeout(function () { current.close(); }, PONG_WITHIN_MS);
      }, PING_EVERY_MS);
    });
    current.addEventListener("message", function (message) {
      const data = JSON.parse(message.data);
      if (data.event === "pong") window.clearTimeout(pongTimer);
      if (data.event === "figures") redraw(data.html);
      if (data.event === "changed") scheduleRefresh();
    });
    current.addEventListener("close", function (event) {
      window.clearInterval(pingTimer);
      window.clearTimeout(pongTimer);
      if (current !== socket) return;
      socket = null;
      if (event.code === NOT_READABLE) { say("closed"); return; }
      say("offline");
      window.setTimeout(function () { if (socket === null) connect(); }, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  }

  // The browser knows when its network goes and comes back: say so at once, and reconnect
  // as soon as it returns rather than at the next retry.
  window.addEventListener("offline", function () {
    if (socket !== null) socket.close();
    say("offline");
  });
  window.addEventListener("online", function () {
    retryMs = 1000;
    if (socket === null) connect();
  });
  connect();
})();
