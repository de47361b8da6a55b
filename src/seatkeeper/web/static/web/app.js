// Seatkeeper: send the CSRF token (from <meta name="csrf-token">) with every htmx request.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
});

// After an htmx action the message naming what happened is swapped in out of band: move focus
// there so keyboard users keep their place (the region is aria-live, so it is announced too).
document.addEventListener("htmx:oobAfterSwap", function (event) {
  var box = event.detail.target;
  if (box && box.id === "messages" && box.querySelector("li")) { box.focus(); }
});

// Select-all checkboxes (issue 17.9): <input type="checkbox" data-select-all="group"> toggles
// every <input data-select="group">; htmx-swapped tables work too (delegated listener).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box || !box.matches || !box.matches("input[data-select-all]")) { return; }
  var group = box.getAttribute("data-select-all");
  document.querySelectorAll('input[data-select="' + group + '"]').forEach(function (b) {
    b.checked = box.checked;
  });
});

// Confirm before submitting forms that carry data-confirm (no inline handlers: strict CSP).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var text = form && form.getAttribute && form.getAttribute("data-confirm");
  if (text && !window.confirm(text)) { event.preventDefault(); }
}, true);
