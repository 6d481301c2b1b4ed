// The tablet's outbox (issue 13): the quick log keeps working without a connection.
//
// - Registers the service worker (templates/visits/service_worker.js), which keeps the
//   application shell and the counter's pages; the first time, it fetches this site's quick
//   log and day's list once so that they open offline from then on.
// - A visit saved while offline, or when the server does not answer within a few seconds,
//   goes into an IndexedDB outbox (through the vendored `idb`) with its id and the signed-in
//   user. Waiting visits are sent through POST /api/v1/visits/bulk/ when the connection
//   returns, on "Send now" and on every page load: oldest first, in batches, with back-off.
//   `created` and `duplicate` are delivered (the id makes a resend the same visit);
//   `conflict` and `invalid` stay, with the server's message, until the user edits or
//   discards them. Nothing leaves the outbox without a delivery or the user's action.
// - Only the user who logged a visit sends it; another user signed in on the same tablet
//   sees that visits wait for someone else. An ended session asks for a new sign-in and
//   keeps the outbox.
// Without this script (or without IndexedDB) the form saves straight to the server.
(function () {
  "use strict";
  const panel = document.getElementById("outbox");
  if (!panel || !window.indexedDB || !window.idb || !window.crypto || !crypto.randomUUID) return;
  const strings = JSON.parse(document.getElementById("outbox-strings").textContent);
  const user = panel.dataset.user;
  const site = panel.dataset.site;
  const form = document.getElementById("quick-log-form"); // none on the day's list
  const BATCH = 100;
  const SAVE_TIMEOUT_MS = 6000;
  const RETRY_MIN_MS = 2000;
  const RETRY_MAX_MS = 60000;
  const lastSyncKey = "servicecenter.outbox.lastSync." + user;
  const format = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  const counted = (forms, count) => format(count === 1 ? forms.one : forms.other, { count });
  const element = (id) => document.getElementById(id);

  const database = idb.openDB("servicecenter-outbox", 1, {
    upgrade(db) {
      db.createObjectStore("visits", { keyPath: "id" });
    },
  });
  const stored = async () => (await (await database).getAll("visits"))
    .sort((a, b) => a.savedAt - b.savedAt);
  const put = async (item) => (await database).put("visits", item);
  const remove = async (id) => (await database).delete("visits", id);

  // The form's times are the site's local time (Europe/Stockholm), whatever zone the
  // tablet is set to; the API wants an instant with its offset.
  const { actionButton } = window.servicecenter;
  const siteTime = window.servicecenter.siteClock(panel.dataset.timeZone);
  const siteInstant = siteTime.instant;
  const siteInputValue = siteTime.inputValue;
  const siteClock = siteTime.clock;

  // --- a form as a visit record -----------------------------------------------------------
  // The same values the form would have posted, in the shape of POST /api/v1/visits/: the
  // server checks them with the one validation of a visit record and answers per visit.
  function recordOf(data, id) {
    const text = (name) => String(data.get(name) ?? "").trim();
    const number = (name) => (text(name) === "" ? null : Number(text(name)));
    const indexes = [...data.keys()]
      .map((name) => /^help-(\d+)-service$/.exec(name))
      .filter(Boolean)
      .map((match) => match[1]);
    const help = [...new Set(indexes)]
      .map((i) => ({
        service: text(`help-${i}-service`),
        mode: text(`help-${i}-mode`),
        outcome: text(`help-${i}-outcome`),
      }))
      .filter((item) => item.service || item.mode);
    const first = text("first_visit");
    const municipality = form.querySelector("[name=visitor_municipality]");
    const chosen = municipality && municipality.selectedOptions[0];
    return {
      id,
      site,
      started_at: siteInstant(text("started_at")),
      duration_min: number("duration_min"),
      participants: number("participants") ?? 1,
      channel: text("channel"),
      age_band: text("age_band"),
      gender: text("gender") || "unstated",
      language: text("language") || "sv",
      interpreter: data.get("interpreter") !== null,
      first_visit: first === "true" ? true : first === "false" ? false : null,
      visitor_municipality: (chosen && chosen.dataset.code) || null,
      barriers: data.getAll("barriers").map(String),
      confidence_before: number("confidence_before"),
      confidence_after: number("confidence_after"),
      note: text("note"),
      help,
    };
  }

  function summaryOf(data) {
    const service = form.querySelector("input[name='help-0-service']:checked");
    // The e-service's name, without its provider (the label's inner span).
    const name = service && service.nextElementSibling.firstChild;
    const label = name ? name.textContent.trim() : "";
    const started = String(data.get("started_at") || "");
    return [started.slice(11, 16), label].filter(Boolean).join(" – ");
  }

  // --- visible state ------------------------------------------------------------------------
  const status = element("outbox-status");
  const announce = (text) => { status.textContent = text; };
  let signedOut = false;
  let confirming = null; // the item whose discard waits for a yes or a cancel

  function itemRow(item) {
    const row = document.createElement("li");
    row.dataset.visit = item.id;
    row.className = `outbox-item outbox-${item.state}`;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = item.state === "refused" ? strings.badgeRefused : strings.badgeWaiting;
    const summary = document.createElement("span");
    summary.className = "outbox-summary";
    summary.textContent = item.summary
      + (item.site !== site ? ` (${format(strings.otherSite, { site: item.site })})` : "");
    row.append(badge, summary);
    if (item.message) {
      const message = document.createElement("p");
      message.className = "outbox-message";
      message.textContent = item.message;
      row.append(message);
    }
    const actions = document.createElement("div");
    actions.className = "outbox-actions";
    if (item.id === confirming) {
      const question = document.createElement("span");
      question.id = `outbox-question-${item.id}`;
      question.textContent = strings.discardQuestion;
      actions.setAttribute("role", "group");
      actions.setAttribute("aria-labelledby", question.id);
      actions.append(
        question,
        actionButton(strings.discardConfirm, "button button-danger-solid", "discard-confirm",
          async () => {
            confirming = null;
            await remove(item.id);
            announce(strings.discarded);
            await render();
            (element("outbox-send").hidden ? form || panel : element("outbox-send")).focus();
          }),
        actionButton(strings.discardCancel, "button button-secondary", "discard-cancel",
          () => { confirming = null; render({ id: item.id, action: "discard" }); }),
      );
    } else {
      actions.append(
        actionButton(strings.edit, "button button-secondary", "edit", () => edit(item)),
        actionButton(strings.discard, "button button-danger", "discard",
          () => { confirming = item.id; render({ id: item.id, action: "discard-cancel" }); }),
      );
    }
    row.append(actions);
    return row;
  }

  async function render(focus) {
    const items = await stored();
    const mine = items.filter((item) => item.user === user);
    const waiting = mine.filter((item) => item.state === "waiting").length;
    const refused = mine.filter((item) => item.state === "refused").length;
    const others = items.length - mine.length;
    const online = navigator.onLine;
    panel.hidden = false;
    panel.classList.toggle("outbox-offline", !online);
    element("outbox-connection").textContent = online ? strings.online : strings.offline;
    element("outbox-count").textContent = [
      waiting ? counted(strings.waiting, waiting) : refused ? "" : strings.none,
      refused ? counted(strings.refused, refused) : "",
    ].filter(Boolean).join(" ");
    const last = Number(window.localStorage.getItem(lastSyncKey));
    element("outbox-last-sync").textContent = last
      ? format(strings.lastSync, { time: siteClock(new Date(last)) })
      : strings.neverSynced;
    element("outbox-others").hidden = others === 0;
    element("outbox-others").textContent = others ? counted(strings.others, others) : "";
    element("outbox-signed-out").hidden = !signedOut;
    element("outbox-signed-out-text").textContent = strings.signedOut;
    element("outbox-send").hidden = waiting === 0 || !online;
    element("outbox-list").replaceChildren(...mine.map(itemRow));
    document.querySelectorAll("[data-online-only]").forEach((control) => {
      control.disabled = !online;
      if (!online) control.title = strings.onlineOnly;
      else control.removeAttribute("title");
    });
    if (focus) {
      const target = panel.querySelector(
        `li[data-visit="${focus.id}"] [data-action="${focus.action}"]`);
      if (target) target.focus();
    }
  }

  // --- sending ------------------------------------------------------------------------------
  const csrfToken = () => {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : "";
  };
  const messagesOf = (errors) => (typeof errors === "string" ? [errors]
    : Array.isArray(errors) ? errors.flatMap(messagesOf)
      : errors && typeof errors === "object" ? Object.values(errors).flatMap(messagesOf) : []);

  let sending = null;
  let retryDelay = RETRY_MIN_MS;
  let retryTimer = null;

  function sendSoon(delay) {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(send, delay);
  }

  function send() {
    if (!sending) sending = deliver().finally(() => { sending = null; });
    return sending;
  }

  async function deliver() {
    window.clearTimeout(retryTimer);
    const waiting = (await stored()).filter((item) => item.user === user && item.state === "waiting");
    if (!waiting.length || !navigator.onLine) return;
    let delivered = 0;
    try {
      for (let start = 0; start < waiting.length; start += BATCH) {
        const batch = waiting.slice(start, start + BATCH);
        const response = await fetch(panel.dataset.bulkUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ visits: batch.map((item) => item.record) }),
        });
        if (response.status === 401 || response.status === 403) {
          signedOut = true; // kept; sent after the next sign-in
          return;
        }
        if (!response.ok) throw new Error(`The server answered ${response.status}.`);
        const { results } = await response.json();
        for (const [index, result] of results.entries()) {
          const item = batch[index];
          if (result.status === "created" || result.status === "duplicate") {
            await remove(item.id);
            delivered += 1;
          } else {
            item.state = "refused";
            item.status = result.status;
            item.message = result.status === "conflict"
              ? strings.conflict : messagesOf(result.errors).join(" ");
            await put(item);
          }
        }
        window.localStorage.setItem(lastSyncKey, String(Date.now()));
      }
      signedOut = false;
      retryDelay = RETRY_MIN_MS;
    } catch (error) {
      // No answer, or an overloaded server: try again later, less often each time.
      sendSoon(retryDelay);
      retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
    } finally {
      if (delivered) announce(counted(strings.sent, delivered));
      await render();
    }
  }

  // --- saving -----------------------------------------------------------------------------
  let editing = null; // the outbox item loaded into the form to be corrected

  function complete(data) {
    return ["help-0-service", "help-0-mode", "age_band"].every((name) => data.get(name));
  }

  // A new visit: its own id, started now.
  function newVisit() {
    form.querySelector("[name=visit_id]").value = crypto.randomUUID();
    form.querySelector("[name=started_at]").value = siteInputValue(new Date());
  }

  function freshForm() {
    form.reset();
    newVisit();
    element("more-details").open = false;
    editing = null;
  }

  async function keep(data, message) {
    const id = String(data.get("visit_id"));
    await put({
      id,
      user,
      site,
      record: recordOf(data, id),
      entries: [...data.entries()]
        .filter(([name]) => name !== "csrfmiddlewaretoken")
        .map(([name, value]) => [name, String(value)]),
      summary: summaryOf(data),
      savedAt: editing ? editing.savedAt : Date.now(),
      state: "waiting",
    });
    if (editing && editing.id !== id) await remove(editing.id);
    form.dispatchEvent(new CustomEvent("visit-kept", { detail: { timer: data.get("timer") } }));
    freshForm();
    announce(message);
    await render();
    window.scrollTo(0, 0);
    if (navigator.onLine) sendSoon(0);
  }

  // Online, the form is sent as before, but with a time limit: no answer within a few
  // seconds, and the visit is kept here instead (with its id, so that if the server did save
  // it, sending it again is a duplicate).
  async function saveOnline(data) {
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), SAVE_TIMEOUT_MS);
    try {
      const response = await fetch(form.action || window.location.href, {
        method: "POST", body: data, credentials: "same-origin", signal: controller.signal,
      });
      const landed = new URL(response.url);
      if (response.redirected && landed.pathname === window.location.pathname) {
        form.dispatchEvent(new CustomEvent("visit-kept", { detail: { timer: data.get("timer") } }));
        window.location.replace(response.url);
        return "saved";
      }
      if (response.redirected || response.status === 403) return "signed-out";
      if (response.status >= 500) return "no-answer";
      return "answered"; // the form with the server's errors
    } catch (error) {
      return "no-answer";
    } finally {
      window.clearTimeout(timer);
    }
  }

  function edit(item) {
    if (!form) {
      window.location.assign(`${panel.dataset.quickLogUrl}#outbox-edit=${item.id}`);
      return;
    }
    const values = (name) => item.entries.filter(([key]) => key === name).map(([, v]) => v);
    for (const field of form.elements) {
      if (!field.name || field.name === "csrfmiddlewaretoken" || field.type === "submit") continue;
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = values(field.name).includes(field.value);
      } else if (field.tagName !== "BUTTON") {
        field.value = values(field.name)[0] ?? "";
      }
    }
    // An id the server holds for another visit cannot be used again.
    form.querySelector("[name=visit_id]").value =
      item.status === "conflict" ? crypto.randomUUID() : item.id;
    editing = item;
    element("more-details").open = true;
    announce(format(strings.editing, { summary: item.summary }));
    const first = form.querySelector("input[name='help-0-service']:checked")
      || form.querySelector("input, select, textarea");
    first.focus();
  }

  if (form) {
    // A copy of the page kept by the worker may be hours old: a new visit id and the time
    // now, unless the server just refused this form and its values are to be corrected.
    if (!element("error-summary")) newVisit();
    const banner = element("undo-banner");
    if (banner && Date.now() > Number(banner.dataset.undoUntil) + 60000) banner.remove();

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      if (!navigator.onLine || editing) {
        if (!complete(data)) { announce(strings.incomplete); return; }
        await keep(data, strings.kept);
        return;
      }
      const save = element("save-visit");
      save.disabled = true;
      const outcome = await saveOnline(data);
      save.disabled = false;
      if (outcome === "saved") return;
      if (outcome === "answered") {
        // Sent again the ordinary way (the same id), so that the server's page with its
        // errors shows, as without this script. form.submit() skips this listener.
        form.submit();
        return;
      }
      if (!complete(data)) { announce(strings.incomplete); return; }
      if (outcome === "signed-out") signedOut = true;
      await keep(data, outcome === "signed-out" ? strings.signedOut : strings.keptSlow);
    });

    const asked = /^#outbox-edit=([\w-]+)$/.exec(window.location.hash);
    if (asked) {
      stored().then((items) => {
        const item = items.find((candidate) => candidate.id === asked[1] && candidate.user === user);
        if (item) edit(item);
        window.history.replaceState(null, "", window.location.pathname);
      });
    }
  }

  // --- the worker -------------------------------------------------------------------------
  async function keepPagesOffline() {
    const registration = await navigator.serviceWorker.register(
      panel.dataset.worker, { scope: panel.dataset.scope });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener(
        "controllerchange", resolve, { once: true }));
    }
    // Pages the worker has not kept yet (this is its first visit): fetched once through it.
    const pages = JSON.parse(panel.dataset.pages);
    for (const page of pages) {
      if (!(await caches.match(page, { ignoreVary: true })) && navigator.onLine) {
        await fetch(page, { credentials: "same-origin" }).catch(() => null);
      }
    }
    document.documentElement.dataset.offlineReady = String(Boolean(registration.active));
  }
  if ("serviceWorker" in navigator) keepPagesOffline().catch(() => {});

  element("outbox-send").addEventListener("click", () => {
    announce(strings.sending);
    send();
  });
  window.addEventListener("online", () => { render(); send(); });
  window.addEventListener("offline", () => render());
  render().then(send);
})();
