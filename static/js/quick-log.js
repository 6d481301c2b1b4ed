// Quick log: progressive enhancement only. Without this script the form still works.
// - two-letter search over all e-services
// - visits in progress (timers), kept in localStorage so a reload or a lost connection
//   does not lose them; several may run at once
// - the 10-second undo countdown
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
  const banner = document.getElementById("undo-banner");
  if (banner) {
    let seconds = parseInt(banner.dataset.undoSeconds, 10);
    const countdown = document.getElementById("undo-countdown");
    const tick = window.setInterval(() => {
      seconds -= 1;
      if (seconds <= 0) {
        window.clearInterval(tick);
        document.getElementById("undo-form").remove();
        countdown.textContent = strings.undoGone;
        return;
      }
      countdown.textContent = format(strings.undoLeft, { seconds });
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
  const pad = (n) => String(n).padStart(2, "0");
  const localInputValue = (date) =>
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;

  const finished = form.dataset.finishedTimer;
  if (finished) store(load().filter((timer) => timer.id !== finished));

  function render() {
    const timers = load();
    section.hidden = timers.length === 0;
    list.replaceChildren(...timers.map((timer, index) => {
      const started = new Date(timer.started);
      const item = document.createElement("li");
      item.dataset.timer = timer.id;
      if (timerField.value === timer.id) item.classList.add("timer-active");
      const label = document.createElement("span");
      label.textContent = format(strings.visit, {
        number: index + 1, time: `${pad(started.getHours())}:${pad(started.getMinutes())}`,
      });
      const clock = document.createElement("span");
      clock.className = "timer-clock";
      clock.dataset.started = String(timer.started);
      const finish = document.createElement("button");
      finish.type = "button";
      finish.className = "button";
      finish.textContent = strings.finish;
      finish.addEventListener("click", () => finishTimer(timer));
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "button button-secondary";
      discard.textContent = strings.discard;
      discard.addEventListener("click", () => {
        store(load().filter((t) => t.id !== timer.id));
        if (timerField.value === timer.id) timerField.value = "";
        render();
      });
      item.append(label, clock, finish, discard);
      return item;
    }));
    updateClocks();
  }

  function updateClocks() {
    list.querySelectorAll(".timer-clock").forEach((clock) => {
      const seconds = Math.max(0, Math.floor((Date.now() - Number(clock.dataset.started)) / 1000));
      clock.textContent = `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;
    });
  }

  function finishTimer(timer) {
    const started = new Date(timer.started);
    const minutes = Math.max(1, Math.round((Date.now() - timer.started) / 60000));
    form.querySelector("[name=started_at]").value = localInputValue(started);
    form.querySelector("[name=duration_min]").value = String(Math.min(600, minutes));
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
