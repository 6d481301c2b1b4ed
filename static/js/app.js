// What the counter's page scripts (quick-log.js, visit-outbox.js) share, written once: loaded
// before them on every page (deferred scripts run in order).
window.servicecenter = (function () {
  "use strict";
  const pad = (n) => String(n).padStart(2, "0");

  // A button of a list row; `action` names it for focus after a redraw.
  function actionButton(text, className, action, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.textContent = text;
    button.dataset.action = action;
    button.addEventListener("click", onClick);
    return button;
  }

  // Times are read, shown and saved in the site's time zone (from the server), whatever zone
  // the tablet's clock is set to: a visit started at 10:15 in Lycksele is 10:15 there.
  function siteClock(timeZone) {
    const format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    });
    const parts = (date) => Object.fromEntries(
      format.formatToParts(date).map((part) => [part.type, part.value]));
    const offsetMinutes = (date) => {
      const p = parts(date);
      const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
      return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
    };
    return {
      // "10:15"
      clock(date) {
        const p = parts(date);
        return `${p.hour}:${p.minute}`;
      },
      // "2026-03-16T10:15", as a datetime-local field holds it
      inputValue(date) {
        const p = parts(date);
        return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
      },
      // "2026-03-16T10:15" in the site's zone as "2026-03-16T10:15:00+01:00"; anything else
      // as it is, for the server to word what is wrong with it.
      instant(value) {
        const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
        if (!match) return value || null;
        const [, y, mo, d, h, mi] = match.map(Number);
        const wall = Date.UTC(y, mo - 1, d, h, mi);
        let instant = wall;
        for (let i = 0; i < 3; i += 1) instant = wall - offsetMinutes(new Date(instant)) * 60000;
        const offset = offsetMinutes(new Date(instant));
        const sign = offset < 0 ? "-" : "+";
        const hours = pad(Math.floor(Math.abs(offset) / 60));
        return `${value}:00${sign}${hours}:${pad(Math.abs(offset) % 60)}`;
      },
    };
  }

  return Object.freeze({ actionButton, pad, siteClock });
})();

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
