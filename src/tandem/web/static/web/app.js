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

  // Lines editors (web/_form_rows.html, a Django formset): "Add a line" appends a copy of the
  // empty row with the next index and counts it in TOTAL_FORMS (never past MAX_NUM_FORMS);
  // a row's "Remove" takes it out and renumbers the rows after it, so the rows posted are
  // numbered 0…n-1 as the formset reads them. Focus follows, for keyboard users.
  function rowsCount(editor, name) {
    return editor.querySelector("input[name='" + editor.dataset.rows + "-" + name + "']");
  }
  function rowsOf(editor) {
    return Array.prototype.slice.call(editor.querySelector("[data-rows-body]").children);
  }
  function numberRow(row, prefix, index) {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = new RegExp(escaped + "-(\\d+|__prefix__)-", "g");
    const numbered = prefix + "-" + index + "-";
    [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (element) {
      Array.prototype.slice.call(element.attributes).forEach(function (attribute) {
        if (attribute.value.indexOf(prefix + "-") === -1) return;
        const value = attribute.value.replace(pattern, numbered);
        if (value !== attribute.value) element.setAttribute(attribute.name, value);
      });
    });
    if (window.htmx) window.htmx.process(row);  // an autocomplete's search asks for its field by name
  }
  function rowsReady(root) {
    const editors = root.matches && root.matches("[data-rows]") ? [root] : [];
    root.querySelectorAll("[data-rows]").forEach(function (editor) { editors.push(editor); });
    editors.forEach(function (editor) {
      const total = rowsCount(editor, "TOTAL_FORMS");
      const max = rowsCount(editor, "MAX_NUM_FORMS");
      const add = editor.querySelector("[data-rows-add]");
      if (!total || !add) return;
      editor.classList.add("rows-ready");
      add.disabled = Boolean(max) && Number(total.value) >= Number(max.value);
    });
  }
  function firstField(row) {
    return row.querySelector("input:not([type=hidden]), select, textarea");
  }
  function changed(editor) {  // what follows the lines (a quotation's promise) reads them again
    editor.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function addRow(editor) {
    const total = rowsCount(editor, "TOTAL_FORMS");
    const max = rowsCount(editor, "MAX_NUM_FORMS");
    const count = Number(total.value);
    if (max && count >= Number(max.value)) return;
    const row = editor.querySelector("template[data-rows-empty]").content.firstElementChild.cloneNode(true);
    editor.querySelector("[data-rows-body]").appendChild(row);
    total.value = String(count + 1);
    numberRow(row, editor.dataset.rows, count);
    paintTags(row);
    rowsReady(editor);
    const field = firstField(row);
    if (field) field.focus();
  }
  function removeRow(editor, row) {
    const rows = rowsOf(editor);
    const index = rows.indexOf(row);
    if (index === -1) return;
    const total = rowsCount(editor, "TOTAL_FORMS");
    const initial = rowsCount(editor, "INITIAL_FORMS");
    if (initial && index < Number(initial.value)) initial.value = String(Number(initial.value) - 1);
    row.remove();
    total.value = String(rows.length - 1);
    rows.slice(index + 1).forEach(function (after, position) {
      numberRow(after, editor.dataset.rows, index + position);
    });
    rowsReady(editor);
    const left = rowsOf(editor);
    const next = left[Math.min(index, left.length - 1)];
    (next ? next.querySelector("[data-rows-remove]") : editor.querySelector("[data-rows-add]")).focus();
    changed(editor);
  }
  document.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    const editor = target ? target.closest("[data-rows]") : null;
    if (!editor) return;
    if (target.closest("[data-rows-add]")) {
      event.preventDefault();
      addRow(editor);
    } else if (target.closest("[data-rows-remove]")) {
      event.preventDefault();
      removeRow(editor, target.closest("[data-rows-body] > *"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () { paintTags(document); rowsReady(document); });
  document.addEventListener("htmx:load", function (event) { paintTags(event.target); rowsReady(event.target); });
})();
