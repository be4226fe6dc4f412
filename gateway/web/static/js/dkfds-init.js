// Starts Det Fælles Designsystem's components (DKFDS.init, from the vendored
// /static/vendor/dkfds/js/dkfds.min.js). A file of its own because the CSP allows no inline script.
// Content that htmx swaps in later is initialised too (only the new part).
(function () {
  "use strict";
  function start(scope) {
    if (window.DKFDS && typeof window.DKFDS.init === "function") {
      window.DKFDS.init(scope ? { scope: scope } : undefined);
    }
  }
  document.addEventListener("DOMContentLoaded", function () { start(); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (target && target !== document.body) { start(target); }
  });
})();
