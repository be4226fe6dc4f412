// "Udskriv" buttons: the page's CSP allows no inline handlers, so bind here.
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target instanceof Element && target.closest("[data-print]")) {
    window.print();
  }
});
