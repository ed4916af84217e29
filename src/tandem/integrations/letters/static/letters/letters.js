// Merge-field buttons of the document template form: insert {{ group.field }} at the cursor
// of the subject or body field (whichever had the focus last; the body by default).
//
// The form validates a field on "change" by swapping it for the server's copy (htmx), so the
// field is looked up by name at each click, and a mouse click on a button keeps the focus
// (and the cursor) in the field instead of blurring it first.
(function () {
  "use strict";
  const FIELDS = "#object-form textarea[name='body'], #object-form input[name='subject']";
  let lastName = "body";
  let lastStart = null;
  let lastEnd = null;

  function isMergeField(element) {
    return element && element.matches && element.matches(FIELDS);
  }

  document.addEventListener("focusin", function (event) {
    if (isMergeField(event.target)) {
      lastName = event.target.name;
    }
  });

  document.addEventListener("focusout", function (event) {
    if (isMergeField(event.target)) {
      lastStart = event.target.selectionStart;
      lastEnd = event.target.selectionEnd;
    }
  });

  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-merge-field]")) {
      event.preventDefault(); // keep the focus and the cursor in the text field
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest ? event.target.closest("[data-merge-field]") : null;
    if (!button) {
      return;
    }
    const field = document.querySelector("#object-form [name='" + lastName + "']");
    if (!field) {
      return;
    }
    const text = "{{ " + button.dataset.mergeField + " }}";
    const focused = document.activeElement === field;
    const length = field.value.length;
    const start = focused ? field.selectionStart : Math.min(lastStart ?? length, length);
    const end = focused ? field.selectionEnd : Math.min(lastEnd ?? start, length);
    field.setRangeText(text, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
