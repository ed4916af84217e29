/* Drag and drop onto a record's files panel. Without this script the panel is a plain
   file input and an Upload button; with it, dropping files (or choosing them) uploads at once. */
(function () {
  "use strict";

  function bind(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      if (zone.dataset.dropzoneBound) return;
      zone.dataset.dropzoneBound = "1";
      const form = zone.closest("form");
      const input = form ? form.querySelector("input[type=file]") : null;
      if (!form || !input) return;
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("border-primary", "bg-body-secondary");
        });
      });
      ["dragleave", "dragend", "drop"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.remove("border-primary", "bg-body-secondary");
        });
      });
      zone.addEventListener("drop", function (event) {
        const files = event.dataTransfer ? event.dataTransfer.files : null;
        if (!files || !files.length) return;
        input.files = files;
        form.requestSubmit();
      });
      input.addEventListener("change", function () {
        if (input.files && input.files.length) form.requestSubmit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:load", function (event) { bind(event.target); });
})();
