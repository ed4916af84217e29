/* The reconciliation screen's keys (a file of its own: the Content-Security-Policy allows no
   inline script). ↓ ↑ or j k move between the statement's lines; on a line, Enter confirms its
   top suggestion, w settles the first suggestion within the write-off tolerance writing off the
   difference, s opens the split form, b the book-to-account form, u undoes it. After a line
   is reconciled the next one waiting gets the focus, so a statement is gone through with Enter. */
(function () {
  "use strict";

  const table = document.querySelector("[data-reconcile]");
  if (!table) return;
  let lastLine = null;

  function rows() {
    return Array.prototype.slice.call(table.querySelectorAll("[data-line-row]"));
  }
  function typing(element) {
    return element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON|A)$/.test(element.tagName));
  }
  function focusRow(row) {
    if (row) {
      row.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  }
  function nextWaiting(after) {
    const all = Array.prototype.slice.call(table.querySelectorAll("tbody[data-line]"));
    const start = after ? all.indexOf(after) + 1 : 0;
    const later = all.slice(start).concat(all.slice(0, start));
    return later.find(function (body) { return body.hasAttribute("data-waiting"); }) || null;
  }
  function press(body, selector) {
    const button = body && body.querySelector(selector);
    if (button) button.click();
    return Boolean(button);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const active = document.activeElement;
    const onRow = active && active.matches && active.matches("[data-line-row]");
    if (!onRow && typing(active)) return;
    const all = rows();
    const position = onRow ? all.indexOf(active) : -1;
    const body = onRow ? active.closest("tbody[data-line]") : null;
    if (event.key === "ArrowDown" || event.key === "j") {
      event.preventDefault();
      focusRow(all[Math.min(position + 1, all.length - 1)]);
    } else if (event.key === "ArrowUp" || event.key === "k") {
      event.preventDefault();
      focusRow(all[Math.max(position - 1, 0)]);
    } else if (body && event.key === "Enter") {
      if (press(body, "[data-confirm-top]")) event.preventDefault();
    } else if (body && event.key === "w") {
      if (press(body, "[data-write-off-suggestion]")) event.preventDefault();
    } else if (body && event.key === "s") {
      if (press(body, "[data-split]")) event.preventDefault();
    } else if (body && event.key === "b") {
      if (press(body, "[data-book]")) event.preventDefault();
    } else if (body && event.key === "u") {
      if (press(body, "[data-undo]")) event.preventDefault();
    }
  });

  // Remember which line asked, so that the focus can move on once it is redrawn.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const element = event.detail && event.detail.elt;
    const body = element && element.closest ? element.closest("tbody[data-line]") : null;
    if (body) lastLine = body.dataset.line;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail && event.detail.target;
    if (target && target.id && /^line-\d+-form$/.test(target.id)) {  // a split or book form came
      const field = target.querySelector("input:not([type=hidden]), select");
      if (field) field.focus();
      return;
    }
    if (!lastLine) return;
    const body = document.getElementById("line-" + lastLine);
    if (!body) return;
    if (body.hasAttribute("data-waiting")) {
      if (!body.contains(document.activeElement)) focusRow(body.querySelector("[data-line-row]"));
      return;
    }
    lastLine = null;
    const next = nextWaiting(body);
    focusRow(next ? next.querySelector("[data-line-row]") : body.querySelector("[data-line-row]"));
  });

  const first = nextWaiting(null);
  focusRow(first ? first.querySelector("[data-line-row]") : rows()[0]);
})();
