/* The holder's portal: installs the offline card and keeps the saved card current. */
(function () {
  "use strict";
  var card = document.querySelector("[data-card-version]");
  if (card && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(card.getAttribute("data-sw"), { scope: card.getAttribute("data-scope") });
  }
  if (card) {
    // A saved card page may be older than the card: when online, ask whether it changed.
    var check = function () {
      if (!navigator.onLine) { return; }
      fetch(card.getAttribute("data-version-url"), { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (d) {
          if (!d.signed_in) { window.location.reload(); return; }
          if (String(d.version) !== card.getAttribute("data-card-version")) { window.location.reload(); }
        })
        .catch(function () {});
    };
    window.addEventListener("online", check);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { check(); } });
    check();
  }
  if (document.querySelector("[data-forget-card]") && "caches" in window) {
    caches.keys().then(function (names) {
      names.forEach(function (n) { if (n.indexOf("kaiku-card") === 0) { caches.delete(n); } });
    });
  }
})();
