// The staff panel follows the queue live: at every change at the site (a check-in, another
// desk's call) it fetches its lists again, so waiting times and numbers stay current without
// a reload; they are also refreshed every minute for the waiting times. The forms work
// without this script.
(function () {
  "use strict";

  const live = document.getElementById("queue-live");
  if (!live) return;
  const REFRESH_DELAY_MS = 150;
  const REFRESH_EVERY_MS = 60000;
  let refreshTimer = null;

  // The control that has the focus, as a selector that finds it again after a redraw: by its
  // id, or a ticket's button by the ticket and the action.
  function focusSelector() {
    const element = document.activeElement;
    if (!element || !live.contains(element)) return null;
    if (element.id) return "#" + CSS.escape(element.id);
    const ticket = element.form && element.form.querySelector("input[name=ticket]");
    if (!ticket || element.name !== "action") return null;
    return 'form:has(input[name=ticket][value="' + CSS.escape(ticket.value) + '"]) ' +
      'button[name=action][value="' + CSS.escape(element.value) + '"]';
  }

  function redraw(html) {
    const selector = focusSelector();
    live.innerHTML = html;
    const again = selector ? live.querySelector(selector) : null;
    if (again) again.focus();
    live.dataset.refreshed = String(Date.now());
  }

  function refresh() {
    refreshTimer = null;
    fetch(live.dataset.liveUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(redraw)
      .catch(function () { /* the next change or the minute's refresh tries again */ });
  }

  function scheduleRefresh() {
    // A burst of changes (several desks calling at once) fetches once.
    if (refreshTimer === null) refreshTimer = window.setTimeout(refresh, REFRESH_DELAY_MS);
  }

  window.setInterval(scheduleRefresh, REFRESH_EVERY_MS);
  window.queueSocket(live.dataset.socket, document.getElementById("live-status"), function (data) {
    if (data.event === "state") scheduleRefresh();
  });
})();
