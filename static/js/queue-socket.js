// The queue's live socket, shared by the waiting room's display and the staff panel: it
// reconnects by itself with a growing pause (as the dashboards do), replaces a connection
// that stops answering its heartbeat, and says whether it is online in a status element
// whose data-online / data-offline / data-closed hold the texts (translated by the server).
(function () {
  "use strict";

  const UNKNOWN_SITE = 4404;  // the site is gone: reconnecting would not help
  const PING_EVERY_MS = 20000;
  const PONG_WITHIN_MS = 8000;
  const FIRST_RETRY_MS = 1000;
  const MAX_RETRY_MS = 10000;

  window.queueSocket = function (path, status, onMessage) {
    let socket = null;
    let retryMs = FIRST_RETRY_MS;

    function say(state) {
      status.textContent = status.dataset[state];
      status.dataset.state = state;
    }

    function connect() {
      const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      const current = new WebSocket(scheme + window.location.host + path);
      socket = current;
      let pingTimer = null;
      let pongTimer = null;
      current.addEventListener("open", function () {
        retryMs = FIRST_RETRY_MS;
        say("online");
        pingTimer = window.setInterval(function () {
          current.send(JSON.stringify({ type: "ping" }));
          pongTimer = window.setTimeout(function () { current.close(); }, PONG_WITHIN_MS);
        }, PING_EVERY_MS);
      });
      current.addEventListener("message", function (message) {
        const data = JSON.parse(message.data);
        if (data.event === "pong") window.clearTimeout(pongTimer);
        else onMessage(data);
      });
      current.addEventListener("close", function (event) {
        window.clearInterval(pingTimer);
        window.clearTimeout(pongTimer);
        if (current !== socket) return;
        socket = null;
        if (event.code === UNKNOWN_SITE) { say("closed"); return; }
        say("offline");
        window.setTimeout(function () { if (socket === null) connect(); }, retryMs);
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      });
    }

    // The browser knows when its network goes and comes back: say so at once, and
    // reconnect as soon as it returns rather than at the next retry.
    window.addEventListener("offline", function () {
      if (socket !== null) socket.close();
      say("offline");
    });
    window.addEventListener("online", function () {
      retryMs = FIRST_RETRY_MS;
      if (socket === null) connect();
    });
    connect();
  };
})();
