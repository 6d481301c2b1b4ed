// On every page: after a refused form, move focus to the error summary so that keyboard and
// screen-reader users hear what to correct.
(function () {
  "use strict";
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();

// Signing out asks the quick log's service worker, where there is one, to forget the counter's
// pages it keeps for offline use: they show the signed-in user's name and the day's visits.
// The outbox (visit-outbox.js) stays: its visits wait for their author. The form is sent
// whatever the worker does, after at most two seconds.
(function () {
  "use strict";
  const form = document.querySelector("form[data-sign-out]");
  if (!form || !("serviceWorker" in navigator)) return;

  function forget(worker) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      worker.postMessage({ type: "signed-out" }, [channel.port2]);
      setTimeout(resolve, 2000);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigator.serviceWorker.getRegistrations()
      .then((registrations) => Promise.all(registrations
        .map((registration) => registration.active)
        .filter(Boolean)
        .map(forget)))
      .catch(() => undefined)
      .finally(() => form.submit());
  });
})();
