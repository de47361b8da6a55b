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

// Behaviour that templates ask for with data- attributes (no inline handlers: the
// Content-Security-Policy allows scripts from static files only, issue 18.4).

// <form data-confirm="..."> or <button type="submit" data-confirm="...">: ask first. Capture
// phase on the document, so a refused submit never reaches htmx's own listeners.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = (button && button.getAttribute("data-confirm")) ||
    event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

document.addEventListener("change", function (event) {
  var el = event.target;
  if (!(el instanceof Element)) { return; }
  // <select data-autosubmit>: submit its form on change (a product picker).
  if (el.hasAttribute("data-autosubmit") && el.form) {
    if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
  }
  // <select data-navigate>: go to the chosen option's URL (the school switcher).
  if (el.hasAttribute("data-navigate") && el.value) { window.location = el.value; }
  // <input type="checkbox" data-select-all="NAME">: tick or untick every input named NAME.
  var name = el.getAttribute("data-select-all");
  if (name) {
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      box.checked = el.checked;
    });
  }
});

// <input data-select-on-focus>: select its text (a token to copy).
document.addEventListener("focusin", function (event) {
  var el = event.target;
  if (el instanceof HTMLInputElement && el.hasAttribute("data-select-on-focus")) { el.select(); }
});

// <button data-copy="ID">: copy the value of the element with that id, then say "Copied".
document.addEventListener("click", function (event) {
  var button = event.target instanceof Element && event.target.closest("[data-copy]");
  if (!button) { return; }
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.value).then(function () { button.textContent = "Copied"; });
  }
});

// <input type="file" data-max-bytes="N" data-max-message="...">: refuse a file over the upload
// limit before sending it (the server cuts such an upload off anyway, issue 18.1).
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-max-bytes")) { return; }
  var max = Number(input.getAttribute("data-max-bytes"));
  var big = Array.prototype.some.call(input.files || [], function (f) { return f.size > max; });
  input.setCustomValidity(big ? input.getAttribute("data-max-message") : "");
  if (big) { input.reportValidity(); }
});
