/* Kaiku door: card codes checked on the device (the same format as kaiku/door/codes.py).
 *
 * A code is "KK:" + base32(18-byte payload + 64-byte Ed25519 signature). The device
 * verifies the signature with WebCrypto against the public key named by the code's
 * key id, then checks validity dates, the revocation list and local-only areas.
 * Every function returns a verdict object; nothing here throws on bad input.
 */
(function (global) {
  "use strict";

  var PREFIX = "KK:";
  var PAYLOAD_LENGTH = 18;
  var SIGNATURE_LENGTH = 64;
  var CODE_LENGTH = PREFIX.length + Math.ceil(((PAYLOAD_LENGTH + SIGNATURE_LENGTH) * 8) / 5);
  var B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  var NEVER_ON_A_CARD = "01OIL";
  var KINDS = ["stock", "personal", "community"];
  var EPOCH_MS = Date.UTC(2000, 0, 1);
  var DAY_MS = 86400000;
  var importedKeys = {};

  function looksLikeCode(text) {
    return typeof text === "string" && text.trim().toUpperCase().indexOf(PREFIX) === 0;
  }

  function base32Decode(body) {
    var out = new Uint8Array(Math.floor((body.length * 5) / 8));
    var bits = 0, value = 0, index = 0;
    for (var i = 0; i < body.length; i++) {
      var v = B32.indexOf(body[i]);
      if (v < 0) return null;
      value = (value << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out[index++] = (value >>> (bits - 8)) & 255;
        bits -= 8;
      }
    }
    // Leftover bits must be zero padding, as base32 writes them.
    if (bits && (value & ((1 << bits) - 1))) return null;
    return out;
  }

  function unpackNumber(bytes) {
    // 40 bits do not fit a 32-bit int, so use a float (exact below 2^53).
    var value = 0;
    for (var i = 0; i < bytes.length; i++) value = value * 256 + bytes[i];
    var chars = [];
    for (var j = 0; j < 8; j++) {
      chars.push(ALPHABET[value % 31]);
      value = Math.floor(value / 31);
    }
    if (value) return null;
    var number = chars.reverse().join("");
    return isValidNumber(number) ? number : null;
  }

  function isValidNumber(number) {
    if (number.length !== 8) return false;
    var total = 0;
    for (var i = 0; i < number.length; i++) {
      var v = ALPHABET.indexOf(number[i]);
      if (v < 0) return false;
      total += (i + 1) * v;
    }
    return total % 31 === 0;
  }

  /* Typed text → {number} or {reason}: the same rules as kaiku.cards.numbers.normalise. */
  function normaliseKaiku(text) {
    var cleaned = text.toUpperCase().replace(/[\s\-.]/g, "");
    if (cleaned.length === 10 && cleaned.indexOf("KK") === 0) cleaned = cleaned.slice(2);
    if (cleaned.length !== 8) return { reason: "malformed" };
    for (var i = 0; i < cleaned.length; i++) {
      if (ALPHABET.indexOf(cleaned[i]) < 0) return { reason: "malformed" };
    }
    if (!isValidNumber(cleaned)) return { reason: "bad_check_character" };
    return { number: cleaned };
  }

  // Legacy numbers (kaiku.cards.numbers.parse_any, docs/legacy-numbers.md): the formats
  // the national admin declared come with the door's config.
  var TEXT_MAX_LENGTH = 64;
  var LEGACY_MAX_LENGTH = 32;
  var MOBILE_ONLY = { X: "personal", Z: "community" };
  var compiledPatterns = {};

  function legacyPattern(pattern) {
    if (!(pattern in compiledPatterns)) {
      try {
        compiledPatterns[pattern] = new RegExp("^(?:" + pattern + ")$");
      } catch (e) {
        compiledPatterns[pattern] = null; // the register's check should make this impossible
      }
    }
    return compiledPatterns[pattern];
  }

  function legacyCanonical(text, format) {
    var value = text.trim();
    if (format.fold_case) value = value.toUpperCase();
    if (format.ignore_spaces) value = value.replace(/\s+/g, "");
    if (format.ignore_dashes) value = value.replace(/-/g, "");
    if (!value || value.length > LEGACY_MAX_LENGTH) return null;
    var pattern = legacyPattern(format.pattern);
    return pattern && pattern.test(value) ? value : null;
  }

  /* Typed or scanned text → {number, legacy} or {reason}: numbers.parse_any's rules. */
  function normaliseNumber(text, legacyFormats) {
    if (typeof text !== "string" || text.length > TEXT_MAX_LENGTH) return { reason: "malformed" };
    var kaiku = normaliseKaiku(text);
    if (kaiku.number) return kaiku;
    if (text.length <= 8 && MOBILE_ONLY[text.toUpperCase().replace(/[\s\-.]/g, "")]) return { reason: "mobile_only" };
    var formats = legacyFormats || [];
    for (var i = 0; i < formats.length; i++) {
      var canonical = legacyCanonical(text, formats[i]);
      if (canonical !== null) return { number: canonical, legacy: true };
    }
    return kaiku;
  }

  function displayNumber(number) {
    if (!isValidNumber(number)) return number; // a legacy number, shown as stored
    return "KK-" + number.slice(0, 4) + "-" + number.slice(4);
  }

  function decode(text) {
    if (typeof text !== "string") return null;
    text = text.trim().toUpperCase();
    if (text.indexOf(PREFIX) !== 0 || text.length !== CODE_LENGTH) return null;
    var raw = base32Decode(text.slice(PREFIX.length));
    if (!raw || raw.length !== PAYLOAD_LENGTH + SIGNATURE_LENGTH) return null;
    var view = new DataView(raw.buffer);
    var flags = raw[3];
    if (raw[0] !== 1 || (flags & 3) > 2 || flags >> 3) return null;
    var number = unpackNumber(raw.subarray(4, 9));
    if (!number) return null;
    var kind = KINDS[flags & 3];
    var days = view.getUint16(9);
    return {
      payload: raw.slice(0, PAYLOAD_LENGTH),
      signature: raw.slice(PAYLOAD_LENGTH),
      keyId: view.getUint16(1),
      kind: kind,
      number: number,
      validUntil: kind === "stock" ? null : new Date(EPOCH_MS + days * DAY_MS).toISOString().slice(0, 10),
      children: raw[11],
      codeVersion: view.getUint16(12),
      areaId: view.getUint32(14),
      localOnly: Boolean(flags & 4),
    };
  }

  function b64ToBytes(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function importKey(keyId, b64) {
    var cacheKey = keyId + ":" + b64;
    if (!importedKeys[cacheKey]) {
      importedKeys[cacheKey] = crypto.subtle.importKey("raw", b64ToBytes(b64), { name: "Ed25519" }, false, ["verify"]);
    }
    return importedKeys[cacheKey];
  }

  /* Signature and format only: {code} or {reason} (malformed, unknown_key, bad_signature). */
  async function verify(text, publicKeys) {
    var code = decode(text);
    if (!code) return { reason: "malformed" };
    var b64 = publicKeys && publicKeys[String(code.keyId)];
    if (!b64) return { reason: "unknown_key" };
    var ok = false;
    try {
      ok = await crypto.subtle.verify({ name: "Ed25519" }, await importKey(code.keyId, b64), code.signature, code.payload);
    } catch (e) {
      ok = false;
    }
    return ok ? { code: code } : { reason: "bad_signature" };
  }

  function localDay(date) {
    var d = date || new Date();
    var m = String(d.getMonth() + 1).padStart(2, "0");
    var day = String(d.getDate()).padStart(2, "0");
    return d.getFullYear() + "-" + m + "-" + day;
  }

  // --- The valid-card set (kaiku/door/validset.py): keyed hashes, Rice-coded gaps -----

  var SET_HEADER = 50;

  function riceDecode(bytes, start, end, count, p) {
    var out = new Float64Array(count);
    var pos = start * 8, endBits = end * 8, previous = 0, scale = Math.pow(2, p);
    for (var i = 0; i < count; i++) {
      var quotient = 0;
      while (pos < endBits && (bytes[pos >> 3] >> (7 - (pos & 7))) & 1) { quotient++; pos++; }
      pos++;
      var low = 0;
      for (var b = 0; b < p; b++, pos++) low = low * 2 + ((bytes[pos >> 3] >> (7 - (pos & 7))) & 1);
      previous += quotient * scale + low;
      out[i] = previous;
    }
    return out;
  }

  /* A downloaded set (ArrayBuffer) → the set to look numbers up in, or null if it is
   * malformed or its signature does not verify with a known key. */
  async function loadValidSet(buffer, publicKeys) {
    try {
      var bytes = new Uint8Array(buffer);
      if (bytes.length < SET_HEADER + SIGNATURE_LENGTH) return null;
      var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== "KKVS" || bytes[4] !== 1) return null;
      var keyId = view.getUint16(5);
      var b64 = publicKeys && publicKeys[String(keyId)];
      if (!b64) return null;
      var body = bytes.subarray(0, bytes.length - SIGNATURE_LENGTH);
      var signature = bytes.subarray(bytes.length - SIGNATURE_LENGTH);
      var ok = await crypto.subtle.verify({ name: "Ed25519" }, await importKey(keyId, b64), signature, body);
      if (!ok) return null;
      var p = bytes[7], count = view.getUint32(8);
      var hmacKey = await crypto.subtle.importKey("raw", bytes.slice(18, 50), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return {
        count: count,
        day: new Date(EPOCH_MS + view.getUint16(12) * DAY_MS).toISOString().slice(0, 10),
        areaId: view.getUint32(14),
        modulus: BigInt(count) << BigInt(p),
        values: riceDecode(bytes, SET_HEADER, bytes.length - SIGNATURE_LENGTH, count, p),
        key: hmacKey,
      };
    } catch (e) {
      return null;
    }
  }

  /* Is this number (canonical: Kaiku's 8 characters, or a legacy number) in the set? False positives: about 1 in 2**P. */
  async function inValidSet(set, number) {
    if (!set || !set.count) return false;
    var digest = new Uint8Array(await crypto.subtle.sign("HMAC", set.key, new TextEncoder().encode(number)));
    var hash = 0n;
    for (var i = 0; i < 8; i++) hash = (hash << 8n) | BigInt(digest[i]);
    var value = Number((hash * set.modulus) >> 64n);
    var lo = 0, hi = set.values.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (set.values[mid] === value) return true;
      if (set.values[mid] < value) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /* A number without a signed card code (typed, or printed card stock): the revocation
   * list first (it names inactivated and replaced cards), then the valid-card set. */
  async function checkNumber(number, verdict, state) {
    var venue = (state && state.venue) || {};
    var revoked = state && state.revocations && state.revocations[number];
    if (venue.closed) verdict.reason = "venue_closed";
    else if (revoked && revoked[1]) verdict.reason = revoked[1];
    else if (!state || !state.validSet) {
      // Nothing to check against yet: only the register can tell.
      verdict.reason = "not_checked_offline";
      verdict.uncertain = true;
    } else if (await inValidSet(state.validSet, number)) {
      // Valid in this area, but its kind and children are not in the set.
      verdict.fromSet = true;
      verdict.partyUnknown = true;
    } else verdict.reason = "not_in_valid_set";
    verdict.valid = !verdict.reason;
    return verdict;
  }

  /* The offline verdict for scanned or typed text.
   * state: {publicKeys, revocations: {number: [minVersion, blockedReason]}, validSet, venue, rules, legacyFormats}
   * Returns {valid, reason, number, kind, childrenAllowed, groupMax, checkedOffline,
   * uncertain (nothing to judge by), fromSet, partyUnknown (kind and children unknown)}. */
  async function check(text, state, today) {
    today = today || localDay();
    var venue = (state && state.venue) || {};
    var rules = (state && state.rules) || {};
    var verdict = { valid: false, reason: "", number: "", kind: "", childrenAllowed: 0, groupMax: 0, checkedOffline: true };
    if (!looksLikeCode(text)) {
      var typed = normaliseNumber(text, state && state.legacyFormats);
      if (typed.reason) {
        verdict.reason = typed.reason;
        return verdict;
      }
      verdict.number = displayNumber(typed.number);
      return checkNumber(typed.number, verdict, state);
    }
    var result = await verify(text, state && state.publicKeys);
    if (!result.code) {
      verdict.reason = result.reason;
      return verdict;
    }
    var code = result.code;
    verdict.number = displayNumber(code.number);
    // Printed card stock carries only the number: the register may have registered it since.
    if (code.kind === "stock") return checkNumber(code.number, verdict, state);
    verdict.kind = code.kind;
    verdict.childrenAllowed = code.kind === "personal" ? code.children : 0;
    verdict.groupMax = code.kind === "community" ? rules.community_group_max || 0 : 0;
    var revoked = state && state.revocations && state.revocations[code.number];
    if (venue.closed) verdict.reason = "venue_closed";
    else if (revoked && revoked[1]) verdict.reason = revoked[1];
    else if (revoked && code.codeVersion < revoked[0]) verdict.reason = "outdated_code";
    else if (code.validUntil < today) verdict.reason = "expired";
    else if (code.localOnly && venue.area_id !== code.areaId) verdict.reason = "wrong_area";
    else if (venue.area_local_only && venue.area_id !== code.areaId) verdict.reason = "wrong_area";
    verdict.valid = !verdict.reason;
    return verdict;
  }

  /* Fold a revocation answer into the stored map ({number: [minVersion, blocked]}). */
  function applyRevocations(map, answer) {
    var next = answer.full ? {} : Object.assign({}, map || {});
    (answer.entries || []).forEach(function (entry) {
      next[entry[0]] = [entry[1], entry[2] || ""];
    });
    return next;
  }

  global.KaikuDoorCodes = {
    PREFIX: PREFIX,
    looksLikeCode: looksLikeCode,
    decode: decode,
    verify: verify,
    check: check,
    normaliseNumber: normaliseNumber,
    displayNumber: displayNumber,
    applyRevocations: applyRevocations,
    loadValidSet: loadValidSet,
    inValidSet: inValidSet,
    localDay: localDay,
  };
})(typeof self !== "undefined" ? self : this);
