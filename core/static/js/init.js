// Initialise Det Fælles Designsystem's components (kept out of inline script for the CSP).
if (window.DKFDS) { window.DKFDS.init(); }
// DKFDS opens the mobile drawer by a class on <body>; tell screen readers whether the menu button's drawer is open.
(function () {
  var button = document.querySelector(".js-menu-open");
  if (!button || !window.MutationObserver) { return; }
  new MutationObserver(function () {
    button.setAttribute("aria-expanded", document.body.classList.contains("mobile-nav-active") ? "true" : "false");
  }).observe(document.body, { attributes: true, attributeFilter: ["class"] });
})();
