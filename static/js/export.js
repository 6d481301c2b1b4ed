// Visit list exports: progressive enhancement only. Without this script an export link is an
// ordinary download. With it, the file is fetched here and a progress bar shows how far it
// has come: rows for CSV (the server streams it and sends the total in X-Total-Rows), bytes
// for XLSX (built whole on the server, then sent). A polite live region announces the start
// and the end; the progress text itself is not announced on every change.
(function () {
  "use strict";
  const box = document.querySelector(".export");
  if (!box) return;
  const links = Array.from(box.querySelectorAll("a[data-export]"));
  const canStream =
    "fetch" in window && "ReadableStream" in window && window.URL && URL.createObjectURL;
  if (!links.length || !canStream) return;

  const progressBox = box.querySelector(".export-progress");
  const progress = document.getElementById("export-progress");
  const progressText = document.getElementById("export-progress-text");
  const status = document.getElementById("export-status");
  const texts = {
    started: box.dataset.exportTextStarted,
    rows: box.dataset.exportTextRows,
    receiving: box.dataset.exportTextReceiving,
    done: box.dataset.exportTextDone,
    failed: box.dataset.exportTextFailed,
  };
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  const format = (text, values) =>
    text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  const NEWLINE = 10;
  let busy = false;

  const announce = (text) => {
    // Cleared first, so that the same sentence twice is still announced.
    status.textContent = "";
    window.setTimeout(() => { status.textContent = text; }, 50);
  };

  const setBusy = (value) => {
    busy = value;
    links.forEach((link) => {
      if (value) link.setAttribute("aria-disabled", "true");
      else link.removeAttribute("aria-disabled");
    });
  };

  const filenameOf = (response, fallback) => {
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    return match ? match[1] : fallback;
  };

  const countNewlines = (bytes) => {
    let count = 0;
    for (let i = 0; i < bytes.length; i += 1) if (bytes[i] === NEWLINE) count += 1;
    return count;
  };

  const save = (blob, filename) => {
    const url = URL.createObjectURL(blob);
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = filename;
    anchor.hidden = true;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    // Some browsers read the object URL after click() returns.
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
  };

  async function download(link) {
    setBusy(true);
    progress.removeAttribute("value"); // indeterminate until the first bytes arrive
    progressText.textContent = texts.started;
    progressBox.hidden = false;
    announce(texts.started);
    let response;
    try {
      response = await fetch(link.href, { credentials: "same-origin" });
    } catch (error) {
      fail();
      return;
    }
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || type.startsWith("text/html") || !response.body) {
      // The server explains on a page (a refused filter, a file too large): show it.
      window.location.assign(link.href);
      return;
    }
    const isCsv = link.dataset.export === "csv";
    const total = parseInt(response.headers.get("X-Total-Rows") || "", 10);
    const length = parseInt(response.headers.get("Content-Length") || "", 10);
    const filename = filenameOf(response, "export." + link.dataset.export);
    const reader = response.body.getReader();
    const chunks = [];
    let newlines = 0;
    let received = 0;
    let lastPaint = 0;
    const paint = (force) => {
      const now = Date.now();
      if (!force && now - lastPaint < 150) return;
      lastPaint = now;
      if (isCsv && total >= 0) {
        const done = Math.min(Math.max(newlines - 1, 0), total); // the first line is the header
        progress.max = Math.max(total, 1);
        progress.value = total ? done : 1;
        progressText.textContent = format(texts.rows, {
          done: numbers.format(done),
          total: numbers.format(total),
        });
      } else {
        if (length > 0) {
          progress.max = length;
          progress.value = Math.min(received, length);
        }
        progressText.textContent = format(texts.receiving, {
          total: numbers.format(total >= 0 ? total : 0),
        });
      }
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.length;
        if (isCsv) newlines += countNewlines(value);
        paint(false);
      }
    } catch (error) {
      fail();
      return;
    }
    paint(true);
    save(new Blob(chunks, { type: type.split(";")[0] }), filename);
    const rows = isCsv ? Math.max(newlines - 1, 0) : total;
    announce(format(texts.done, { total: numbers.format(rows), filename }));
    progressText.textContent = format(texts.done, { total: numbers.format(rows), filename });
    setBusy(false);
  }

  function fail() {
    progress.value = 0;
    progressText.textContent = texts.failed;
    announce(texts.failed);
    setBusy(false);
  }

  links.forEach((link) => {
    link.addEventListener("click", (event) => {
      // A new tab, a window or "save link as" stays the browser's own business.
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      if (!busy) download(link);
    });
  });
})();
