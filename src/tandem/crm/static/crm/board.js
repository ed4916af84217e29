/* The deal board: drag a card to another stage's column and it is saved at once (a file of its
   own: the Content-Security-Policy allows no inline script). The move is posted with htmx, which
   sends the CSRF header of the page, and the answer — the board again, with the new counts and
   weighted sums, or the reason it was refused — replaces the board. With the keyboard: focus a
   card, then ← → move it one stage. */
(function () {
  "use strict";

  var dragged = null;

  function board() { return document.querySelector("[data-board]"); }

  function move(card, stage) {
    var root = board();
    if (!root || !card || !stage || card.closest("[data-drop]").getAttribute("data-drop") === stage) return;
    var url = root.getAttribute("data-move-url").replace("/0/", "/" + card.getAttribute("data-deal") + "/");
    window.htmx.ajax("POST", url + window.location.search, {
      source: root,
      target: "#deal-board",
      swap: "outerHTML",
      values: { stage: stage, version: card.getAttribute("data-version") },
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card[draggable='true']");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-drop]");
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-drop]");
    if (zone) zone.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-drop]");
    if (!zone || !dragged) return;
    event.preventDefault();
    move(dragged, zone.getAttribute("data-drop"));
  });
  document.addEventListener("keydown", function (event) {
    var card = document.activeElement;
    if (!card || !card.matches || !card.matches(".deal-card[draggable='true']")) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    var zones = Array.prototype.slice.call(document.querySelectorAll("[data-drop]"));
    var here = zones.indexOf(card.closest("[data-drop]"));
    var there = zones[here + (event.key === "ArrowRight" ? 1 : -1)];
    if (there) {
      event.preventDefault();
      move(card, there.getAttribute("data-drop"));
    }
  });
})();
