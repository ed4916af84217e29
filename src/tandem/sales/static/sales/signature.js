/* The signature box of a quotation's customer page: draw with a mouse, a pen or a finger; the
   drawing is sent as a PNG (data URL) in the form's hidden field. No library: a canvas. */
(function () {
  "use strict";

  function setUp(form) {
    const canvas = form.querySelector("[data-signature-pad]");
    const field = form.querySelector("[data-signature-value]");
    if (!canvas || !field) return;
    const pen = canvas.getContext("2d");
    let drawing = false;
    let drawn = false;
    let last = null;

    pen.lineWidth = 2.5;
    pen.lineCap = "round";
    pen.lineJoin = "round";
    pen.strokeStyle = "#1a1a2e";

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height),
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      last = point(event);
      canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      const next = point(event);
      pen.beginPath();
      pen.moveTo(last.x, last.y);
      pen.lineTo(next.x, next.y);
      pen.stroke();
      last = next;
      drawn = true;
      event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    canvas.style.touchAction = "none";

    const clear = form.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        pen.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        field.value = "";
      });
    }
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-form]").forEach(setUp);
  });
})();
