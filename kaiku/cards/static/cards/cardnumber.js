/* Card numbers checked while they are typed: the same alphabet and check character
   as kaiku/cards/numbers.py, so a typo is caught before anything is sent.
   Inputs opt in with data-card-number; the messages come translated from the page
   (data-msg-malformed, data-msg-typo). An input that also takes legacy numbers carries
   the declared formats (data-legacy-formats, docs/legacy-numbers.md): a number of one of
   them is fine, and since a legacy number can look like anything while it is typed,
   other text is judged only when the field is left. */
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

  function legacyMatch(text, formats) {
    for (var i = 0; i < (formats || []).length; i++) {
      var f = formats[i];
      var value = String(text).trim();
      if (f.fold_case) value = value.toUpperCase();
      if (f.ignore_spaces) value = value.replace(/\s+/g, "");
      if (f.ignore_dashes) value = value.replace(/-/g, "");
      if (!value || value.length > 32) continue;
      try {
        if (new RegExp("^(?:" + f.pattern + ")$").test(value)) return true;
      } catch (e) {
        /* a pattern this browser cannot run: the server judges */
      }
    }
    return false;
  }

  /* verdict() for an input that also takes the declared legacy formats. */
  function verdictWithLegacy(text, formats) {
    var v = verdict(text);
    if (v === "ok" || !formats || !formats.length) return v;
    var plain = String(text).toUpperCase().replace(/[\s.\-]/g, "");
    if (plain === "X" || plain === "Z") return "mobile_only";
    return legacyMatch(text, formats) ? "ok" : v;
  }

  function attach(input) {
    var formats = [];
    try {
      formats = JSON.parse(input.dataset.legacyFormats || "[]");
    } catch (e) {
      formats = [];
    }
    var live = document.createElement("p");
    live.className = "error";
    live.id = input.id + "_live";
    live.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", live);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? described + " " + live.id : live.id);
    function show(leaving) {
      var v = verdictWithLegacy(input.value, formats);
      // With legacy formats, a half-typed legacy number is not yet an error.
      if (formats.length && !leaving && v !== "ok") v = "";
      var message = "";
      if (v === "malformed") message = input.dataset.msgMalformed;
      else if (v === "bad_check_character") message = input.dataset.msgTypo;
      else if (v === "mobile_only") message = input.dataset.msgMobileOnly;
      live.textContent = message || "";
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    input.addEventListener("input", function () { show(false); });
    input.addEventListener("change", function () { show(true); });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { normalise: normalise, verdict: verdict, verdictWithLegacy: verdictWithLegacy };
  }
  if (typeof document !== "undefined") {
    document.querySelectorAll("input[data-card-number]").forEach(attach);
  }
})();
