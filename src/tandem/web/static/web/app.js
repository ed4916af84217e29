/* Tandem's behaviour, in one file so a strict Content-Security-Policy needs no inline script. */
(function () {
  "use strict";

  // Forms marked data-confirm ask before submitting (removing an address, merging…).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const question = form instanceof HTMLFormElement ? form.dataset.confirm : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    } else if (question && !form.querySelector("input[name=confirmed]")) {
      // The server asks again (a confirmation page) when a form arrives without this.
      const confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "1";
      form.appendChild(confirmed);
    }
  }, true);

  // Tag colours come from data; set through the CSSOM, which a CSP without 'unsafe-inline' allows.
  function paintTags(root) {
    root.querySelectorAll("[data-color]").forEach(function (badge) {
      const colour = badge.dataset.color;
      if (/^#[0-9a-fA-F]{3,8}$/.test(colour)) {
        badge.style.backgroundColor = colour;
        badge.classList.add("tag-coloured");
      }
    });
  }

  // "/" jumps to a list's search box, as in many web applications.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const active = document.activeElement;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    const box = document.querySelector("[data-search-box]");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  // An autocomplete's search box is not a form value: its "change" must not start the
  // field's inline check (which would redraw the select and drop the matches just found).
  document.addEventListener("change", function (event) {
    if (event.target instanceof Element && event.target.matches("[data-autocomplete-search]")) {
      event.stopPropagation();
    }
  }, true);

  // The header's search box: results drop down as one types; arrow keys move through them,
  // Enter opens one, Escape closes the list and returns to the box.
  function searchResults(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-search-result]"));
  }
  document.addEventListener("keydown", function (event) {
    const form = event.target instanceof Element ? event.target.closest("[data-global-search]") : null;
    if (!form) return;
    const box = form.querySelector("input[name=q]");
    const menu = form.querySelector(".global-search-results");
    const links = searchResults(form);
    const position = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!links.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = position + step;
      if (next < 0) box.focus();
      else links[Math.min(next, links.length - 1)].focus();
    } else if (event.key === "Escape") {
      menu.classList.remove("show");
      box.focus();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    const menu = event.target;
    if (menu instanceof Element && menu.classList.contains("global-search-results")) {
      menu.classList.toggle("show", menu.textContent.trim() !== "");
    }
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".global-search-results.show").forEach(function (menu) {
      if (!menu.parentElement.contains(event.target)) menu.classList.remove("show");
    });
  });

  document.addEventListener("DOMContentLoaded", function () { paintTags(document); });
  document.addEventListener("htmx:load", function (event) { paintTags(event.target); });
})();
