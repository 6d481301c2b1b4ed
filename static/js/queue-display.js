// The waiting room's display: the number called last, large, with its desk; the earlier ones
// below; how many wait. Every state the server sends redraws it; a call, recall or transfer
// flashes the latest number and, once sound is turned on, plays a short chime made here
// with the Web Audio API (browsers let a page play sound only after a tap or click on it).
(function () {
  "use strict";

  const display = document.getElementById("queue-display");
  if (!display) return;
  const latest = document.getElementById("latest");
  const latestNumber = document.getElementById("latest-number");
  const latestDesk = document.getElementById("latest-desk");
  const earlier = document.getElementById("earlier-calls");
  const waiting = document.getElementById("waiting-count");
  const soundButton = document.getElementById("sound-toggle");
  const FLASH_MS = 6000;
  let audio = null;
  let soundOn = false;
  let flashTimer = null;

  // Two soft tones, high then lower, like a shop's door chime: about a second in all.
  function chime() {
    if (!soundOn || audio === null) return;
    const start = audio.currentTime + 0.05;
    [[880, 0], [659.25, 0.35]].forEach(function (note) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      const at = start + note[1];
      oscillator.type = "sine";
      oscillator.frequency.setValueAtTime(note[0], at);
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.6);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.65);
    });
  }

  if (soundButton && (window.AudioContext || window.webkitAudioContext)) {
    soundButton.hidden = false;
    soundButton.addEventListener("click", function () {
      if (audio === null) audio = new (window.AudioContext || window.webkitAudioContext)();
      soundOn = !soundOn;
      if (soundOn) audio.resume();
      soundButton.setAttribute("aria-pressed", String(soundOn));
      soundButton.textContent = soundOn ? soundButton.dataset.on : soundButton.dataset.off;
      if (soundOn) chime();  // so that staff hear at once that it works
    });
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function draw(state) {
    const calls = state.calls || [];
    const first = calls[0];
    latestNumber.textContent = first ? first.number : "–";
    latestDesk.textContent = first ? first.desk : "–";
    latest.toggleAttribute("data-empty", !first);
    earlier.replaceChildren.apply(earlier, calls.slice(1).map(function (call) {
      const row = document.createElement("tr");
      row.append(cell(call.number), cell(call.desk));
      return row;
    }));
    waiting.textContent = String(state.waiting);
    display.dataset.latest = first ? first.number + "@" + first.desk : "";
  }

  function announce() {
    latest.classList.remove("display-flash");
    void latest.offsetWidth;  // restart the animation on a call that follows quickly
    latest.classList.add("display-flash");
    window.clearTimeout(flashTimer);
    flashTimer = window.setTimeout(function () { latest.classList.remove("display-flash"); }, FLASH_MS);
    chime();
  }

  window.queueSocket(display.dataset.socket, document.getElementById("display-status"), function (data) {
    if (data.event !== "state") return;
    draw(data);
    if (data.announce) announce();
  });
})();
