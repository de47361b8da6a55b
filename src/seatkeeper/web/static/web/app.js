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
    // (issue 17.9 tables mark their row boxes data-select="NAME"; htmx-swapped rows work too)
    document.querySelectorAll('input[name="' + name + '"], input[data-select="' + name + '"]').forEach(function (box) {
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
// issue 17.7: keyboard focus is kept, or moved somewhere sensible, after every htmx swap. Before
// the swap we remember the focused control; afterwards the same control (by id, or by name in
// the same form) gets focus back; failing that the message naming what happened, failing that
// the swapped region itself (never the <body>). The confirmation is scrolled into view.
(function () {
  var remembered = null;
  function describe(el) {
    if (!el || el === document.body) { return null; }
    var form = el.form || el.closest("form");
    return {
      id: el.id || "",
      name: el.getAttribute("name") || "",
      action: form ? (form.getAttribute("hx-post") || form.getAttribute("action") || "") : "",
      text: (el.textContent || "").trim()
    };
  }
  function find(d) {
    if (!d) { return null; }
    if (d.id) {
      var byId = document.getElementById(d.id);
      if (byId) { return byId; }
    }
    if (d.action) {
      var forms = document.querySelectorAll("form");
      for (var i = 0; i < forms.length; i++) {
        var f = forms[i];
        if ((f.getAttribute("hx-post") || f.getAttribute("action") || "") !== d.action) { continue; }
        var c = d.name ? f.querySelector('[name="' + d.name.replace(/"/g, '\\"') + '"]') : null;
        if (c && c.type !== "hidden") { return c; }
        var b = f.querySelector("button, [type=submit]");
        if (b) { return b; }
      }
    }
    return null;
  }
  document.addEventListener("htmx:beforeSwap", function () {
    remembered = describe(document.activeElement);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var active = document.activeElement;
    var box = document.getElementById("messages");
    var hasMessage = box && box.querySelector("li");
    if (hasMessage) { box.scrollIntoView({ block: "nearest" }); }
    if (active && active !== document.body && document.contains(active)) {
      return;
    }
    var target = find(remembered);
    if (target) { target.focus({ preventScroll: true }); remembered = null; return; }
    if (hasMessage) { box.focus({ preventScroll: true }); return; }
    var region = event.detail && event.detail.target;
    if (region && document.contains(region)) {
      if (!region.hasAttribute("tabindex")) { region.setAttribute("tabindex", "-1"); }
      region.focus({ preventScroll: true });
    }
  });
})();

// issue 17.6: a form keeps what was typed when the server refuses it. On submit its visible
// values are kept in sessionStorage; when the next page (or htmx swap) shows an error message,
// the same form (same action, same page) gets them back; otherwise they are forgotten.
(function () {
  var KEY = "seatkeeper.form-values";
  var SKIP = { hidden: 1, password: 1, file: 1, submit: 1, button: 1, checkbox: 1, radio: 1 };
  function actionOf(f) { return f.getAttribute("hx-post") || f.getAttribute("action") || ""; }
  document.addEventListener("submit", function (event) {
    var f = event.target;
    if (!f || (f.method || "").toLowerCase() !== "post") { return; }
    var values = [];
    for (var i = 0; i < f.elements.length; i++) {
      var el = f.elements[i];
      if (!el.name || SKIP[el.type] || el.name === "csrfmiddlewaretoken") { continue; }
      values.push([el.name, el.value]);
    }
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ path: location.pathname, action: actionOf(f), values: values }));
    } catch (e) { /* storage refused: nothing to restore */ }
  }, true);
  function restore() {
    var raw = null;
    try { raw = sessionStorage.getItem(KEY); } catch (e) { return; }
    if (!raw) { return; }
    var error = document.querySelector("#messages li.error");
    var saved = JSON.parse(raw);
    if (!error) { sessionStorage.removeItem(KEY); return; }
    if (saved.path !== location.pathname) { return; }
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      if (actionOf(forms[i]) !== saved.action) { continue; }
      saved.values.forEach(function (pair) {
        var el = forms[i].elements.namedItem(pair[0]);
        if (el && !SKIP[el.type] && el.value !== undefined) { el.value = pair[1]; }
      });
      break;
    }
    sessionStorage.removeItem(KEY);
  }
  document.addEventListener("DOMContentLoaded", restore);
  document.addEventListener("htmx:afterSettle", restore);
})();

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
