/* Card numbers checked while they are typed: the same alphabet and check character
   as kaiku/cards/numbers.py, so a typo is caught before anything is sent.
   Inputs opt in with data-card-number; the messages come translated from the page
   (data-msg-malformed, data-msg-typo). */
(function () {
  "use strict";
  var ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  var LENGTH = 8;

  function normalise(text) {
    var s = String(text).toUpperCase().replace(/[\s.\-]/g, "");
    if (s.length === LENGTH + 2 && s.indexOf("KK") === 0) {
      s = s.slice(2);
    }
    return s;
  }

  /* "" (nothing typed), "partial", "ok", "malformed" or "bad_check_character". */
  function verdict(text) {
    var s = normalise(text);
    if (!s) return "";
    for (var i = 0; i < s.length; i++) {
      if (ALPHABET.indexOf(s.charAt(i)) < 0) return "malformed";
    }
    if (s.length < LENGTH) return "partial";
    if (s.length > LENGTH) {
      // "KK" and part of the number: still being typed.
      return s.indexOf("KK") === 0 && s.length < LENGTH + 2 ? "partial" : "malformed";
    }
    var total = 0;
    for (var j = 0; j < LENGTH; j++) total += (j + 1) * ALPHABET.indexOf(s.charAt(j));
    if (total % ALPHABET.length === 0) return "ok";
    // "KK" and six characters may be a prefixed number still being typed.
    return s.indexOf("KK") === 0 ? "partial" : "bad_check_character";
  }

  function attach(input) {
    var live = document.createElement("p");
    live.className = "error";
    live.id = input.id + "_live";
    live.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", live);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? described + " " + live.id : live.id);
    input.addEventListener("input", function () {
      var v = verdict(input.value);
      var message = "";
      if (v === "malformed") message = input.dataset.msgMalformed;
      else if (v === "bad_check_character") message = input.dataset.msgTypo;
      live.textContent = message || "";
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { normalise: normalise, verdict: verdict };
  }
  if (typeof document !== "undefined") {
    document.querySelectorAll("input[data-card-number]").forEach(attach);
  }
})();
