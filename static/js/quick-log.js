// Quick log: progressive enhancement only. Without this script the form still works.
// - two-letter search over all e-services
// - visits in progress (timers), kept in localStorage so a reload or a lost connection
//   does not lose them; several may run at once
// - the 10-second undo countdown (one sentence per second from the server: plural forms)
// Every time shown or filled in is the site's local time (Europe/Stockholm), never the
// tablet's own zone.
(function () {
  "use strict";
  const form = document.getElementById("quick-log-form");
  if (!form) return;
  const strings = JSON.parse(document.getElementById("timer-strings").textContent);
  const format = (text, values) =>
    text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));

  // --- search -------------------------------------------------------------------------
  const searchField = document.getElementById("service-search-field");
  const search = document.getElementById("service-search");
  const status = document.getElementById("service-search-status");
  const allServices = document.getElementById("all-services");
  const options = Array.from(form.querySelectorAll(".service-option"));
  searchField.hidden = false;
  search.addEventListener("input", () => {
    const query = search.value.trim().toLowerCase();
    if (query.length < 2) {
      options.forEach((option) => { option.hidden = false; });
      status.textContent = "";
      return;
    }
    let count = 0;
    options.forEach((option) => {
      const match = option.dataset.search.includes(query);
      option.hidden = !match;
      if (match) count += 1;
    });
    allServices.open = true;
    status.textContent = count ? format(strings.matches, { count }) : strings.noMatch;
  });
  // Enter in the search box picks the only match instead of submitting the form.
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const visible = options.filter((option) => !option.hidden);
    if (visible.length === 1) visible[0].querySelector("input").click();
  });

  // --- undo countdown -----------------------------------------------------------------
  // When the period ends the undo sentence and button go, and the banner keeps saying only
  // what was saved: the status region must not go on offering an undo that is gone.
  const banner = document.getElementById("undo-banner");
  if (banner) {
    let seconds = parseInt(banner.dataset.undoSeconds, 10);
    const countdown = document.getElementById("undo-countdown");
    const tick = window.setInterval(() => {
      seconds -= 1;
      if (seconds <= 0) {
        window.clearInterval(tick);
        const undoForm = document.getElementById("undo-form");
        const hadFocus = undoForm.contains(document.activeElement);
        undoForm.remove();
        document.getElementById("undo-hint").remove();
        if (hadFocus) banner.focus();
        return;
      }
      countdown.textContent = strings.undoLeft[seconds];
    }, 1000);
  }

  // --- timers -------------------------------------------------------------------------
  const key = "servicecenter.timers." + form.dataset.site;
  const startButton = document.getElementById("timer-start");
  const section = document.getElementById("timers");
  const list = document.getElementById("timer-list");
  const timerField = document.getElementById("timer-field");
  const load = () => {
    try { return JSON.parse(window.localStorage.getItem(key)) || []; } catch (e) { return []; }
  };
  const store = (timers) => window.localStorage.setItem(key, JSON.stringify(timers));
  const { actionButton: button, pad } = window.servicecenter;
  const siteTime = window.servicecenter.siteClock(form.dataset.timeZone);
  const siteClock = siteTime.clock;
  const siteInputValue = siteTime.inputValue;
  const timerStatus = document.getElementById("timer-status");
  // The timer whose discard waits for a yes or a cancel; render() keeps showing the question.
  let confirming = null;

  const finished = form.dataset.finishedTimer;
  if (finished) store(load().filter((timer) => timer.id !== finished));
  // A visit saved by the outbox (visit-outbox.js), which the server has not seen yet.
  form.addEventListener("visit-kept", (event) => {
    const timer = event.detail.timer;
    if (timer) store(load().filter((t) => t.id !== timer));
    timerField.value = "";
    render();
  });

  function render(focusAction) {
    const timers = load();
    section.hidden = timers.length === 0;
    if (!timers.some((timer) => timer.id === confirming)) confirming = null;
    list.replaceChildren(...timers.map((timer, index) => {
      const started = new Date(timer.started);
      const item = document.createElement("li");
      item.dataset.timer = timer.id;
      if (timerField.value === timer.id) item.classList.add("timer-active");
      const label = document.createElement("span");
      label.textContent = format(strings.visit, { number: index + 1, time: siteClock(started) });
      const clock = document.createElement("span");
      clock.className = "timer-clock";
      clock.dataset.started = String(timer.started);
      item.append(label, clock);
      if (timer.id === confirming) {
        item.append(confirmation(timer));
      } else {
        item.append(
          button(strings.finish, "button", "finish", () => finishTimer(timer)),
          button(strings.discard, "button button-danger", "discard", () => {
            confirming = timer.id;
            render({ id: timer.id, action: "discard-cancel" });
          }),
        );
      }
      return item;
    }));
    if (focusAction) {
      const target = list.querySelector(
        `li[data-timer="${focusAction.id}"] [data-action="${focusAction.action}"]`);
      if (target) target.focus();
    }
    updateClocks();
  }

  // Discarding asks first, in the page: a tap beside "Finish" must not lose a visit. Focus
  // goes to the safe answer; Escape cancels too.
  function confirmation(timer) {
    const group = document.createElement("div");
    group.className = "timer-confirm";
    group.setAttribute("role", "group");
    const question = document.createElement("span");
    question.id = `discard-question-${timer.id}`;
    question.className = "timer-question";
    question.textContent = strings.discardQuestion;
    group.setAttribute("aria-labelledby", question.id);
    const cancel = () => {
      confirming = null;
      render({ id: timer.id, action: "discard" });
    };
    group.append(
      question,
      button(strings.discardConfirm, "button button-danger-solid", "discard-confirm", () => {
        confirming = null;
        store(load().filter((t) => t.id !== timer.id));
        if (timerField.value === timer.id) timerField.value = "";
        render();
        timerStatus.textContent = strings.discarded;
        startButton.focus();
      }),
      button(strings.discardCancel, "button button-secondary", "discard-cancel", cancel),
    );
    group.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        cancel();
      }
    });
    return group;
  }

  function updateClocks() {
    list.querySelectorAll(".timer-clock").forEach((clock) => {
      const seconds = Math.max(0, Math.floor((Date.now() - Number(clock.dataset.started)) / 1000));
      clock.textContent = `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;
    });
  }

  function finishTimer(timer) {
    const started = new Date(timer.started);
    const minutes = Math.round((Date.now() - timer.started) / 60000);
    // Within the duration field's min and max, which the server sets from the record's limits.
    const duration = form.querySelector("[name=duration_min]");
    form.querySelector("[name=started_at]").value = siteInputValue(started);
    duration.value = String(Math.min(Number(duration.max), Math.max(Number(duration.min), minutes)));
    timerField.value = timer.id;
    status.textContent = strings.finishing;
    render();
    search.focus();
  }

  startButton.hidden = false;
  startButton.addEventListener("click", () => {
    const id = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now());
    store([...load(), { id, started: Date.now() }]);
    render();
  });
  render();
  window.setInterval(updateClocks, 1000);
})();
