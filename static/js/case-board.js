// The case board: a card moves to another column by a drag, or by its "Move to" form (the
// keyboard's way, which also works without this script). Either way the move is one POST to
// the case's status address; the server's lifecycle decides, and a refused move leaves the
// card where it was, with the server's message read out.
(function () {
  "use strict";
  const board = document.querySelector("[data-board]");
  if (!board) return;
  const status = document.getElementById("board-status");
  let dragged = null;

  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function allowed(card, target) {
    const select = card.querySelector("select[name=status]");
    return !!select && Array.from(select.options).some(function (o) { return o.value === target; });
  }

  function recount() {
    board.querySelectorAll(".board-column").forEach(function (column) {
      column.querySelector("[data-count]").textContent =
        column.querySelectorAll(".board-card").length;
    });
  }

  function replaceMoves(card, moves) {
    const select = card.querySelector("select[name=status]");
    select.replaceChildren();
    moves.forEach(function (move) {
      const option = document.createElement("option");
      option.value = move.status;
      option.textContent = move.label;
      select.appendChild(option);
    });
  }

  async function move(card, target) {
    const form = card.querySelector("form.board-move");
    const data = new FormData(form);
    data.set("status", target);
    card.classList.add("board-card-moving");
    try {
      const answer = await fetch(card.dataset.moveUrl, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const result = await answer.json();
      if (!answer.ok || !result.ok) {
        say(result.message || board.dataset.textRefused);
        return;
      }
      const column = board.querySelector('.board-column[data-status="' + result.status + '"]');
      if (column) {
        column.querySelector("[data-dropzone]").appendChild(card);
      } else {
        card.remove(); // a status the board does not show
      }
      replaceMoves(card, result.moves);
      recount();
      say(result.message);
      card.querySelector(".board-card-number a").focus();
    } catch (error) {
      say(board.dataset.textFailed);
    } finally {
      card.classList.remove("board-card-moving");
    }
  }

  board.addEventListener("submit", function (event) {
    const form = event.target.closest("form.board-move");
    if (!form) return;
    event.preventDefault();
    move(form.closest(".board-card"), form.querySelector("select[name=status]").value);
  });

  board.addEventListener("dragstart", function (event) {
    dragged = event.target.closest(".board-card");
    if (!dragged) return;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.case);
  });

  board.addEventListener("dragend", function () {
    dragged = null;
    board.querySelectorAll(".board-drop-target").forEach(function (zone) {
      zone.classList.remove("board-drop-target");
    });
  });

  board.querySelectorAll(".board-column").forEach(function (column) {
    const zone = column.querySelector("[data-dropzone]");
    column.addEventListener("dragover", function (event) {
      if (dragged && allowed(dragged, column.dataset.status)) {
        event.preventDefault();
        zone.classList.add("board-drop-target");
      }
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) zone.classList.remove("board-drop-target");
    });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("board-drop-target");
      if (dragged && allowed(dragged, column.dataset.status)) move(dragged, column.dataset.status);
    });
  });
})();
