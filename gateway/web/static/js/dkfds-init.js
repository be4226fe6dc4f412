// Starts Det Fælles Designsystem's components (DKFDS.init, from the vendored
// /static/vendor/dkfds/js/dkfds.min.js). A file of its own because the CSP allows no inline script.
// Content that htmx swaps in later is initialised too, but only when it holds a component that
// needs script (DKFDS.init also sets page-wide listeners, which must not pile up on every swap).
(function () {
  "use strict";
  var NEEDS_SCRIPT = ".date-picker, .accordion, .accordion-bordered, .tooltip-wrapper, " +
    ".js-dropdown, .alert .alert-close, .tabnav, .form-limit";
  function start(scope) {
    if (window.DKFDS && typeof window.DKFDS.init === "function") {
      window.DKFDS.init(scope ? { scope: scope } : undefined);
    }
  }
  document.addEventListener("DOMContentLoaded", function () { start(); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (target && target !== document.body && target.querySelector &&
        target.querySelector(NEEDS_SCRIPT)) {
      start(target);
    }
  });
})();
