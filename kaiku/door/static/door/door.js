/* Kaiku door page: scan or type a card, see valid / not valid, record the use.
 *
 * Works offline: the page is cached by the service worker, the device keeps the
 * public keys, the revocation list and the venue's offers in IndexedDB, checks codes
 * locally (codes.js) and queues uses with an idempotency key and the device time.
 * The queue syncs by itself when the network returns; the server re-checks each use.
 */
(function () {
  "use strict";

  var Codes = window.KaikuDoorCodes;
  var root = document.getElementById("door");
  var settings = JSON.parse(document.getElementById("door-settings").textContent);
  var text = JSON.parse(document.getElementById("door-text").textContent);
  var UNDO_MS = settings.undoSeconds * 1000;
  var SYNC_EVERY_MS = 15000;
  var BATCH = 200;
  var REFRESH_MS = Math.max(1, settings.refreshSeconds || 300) * 1000;
  var REQUEST_TIMEOUT_MS = 30000;
  var CACHE = "kaiku-door-v1";
  // Whether the service worker served (and so kept) this page: read before it can claim it.
  var servedByWorker = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);

  var state = {
    venueId: settings.venueId,
    token: null,
    config: null,
    publicKeys: {},
    revocations: {},
    revocationVersion: 0,
    validSet: null, // the parsed valid-card set (codes.js loadValidSet)
    validSetEtag: null,
    listsAt: null, // when the device last had the revocation list and valid-card set from the server
    current: null, // {text, verdict, offline}
    last: null, // the last recorded use, for undo
    syncing: false,
  };

  // --- IndexedDB: "queue" (uses waiting to sync) and "state" (what the door keeps) ----

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("kaiku-door", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("queue", { keyPath: "key" });
          request.result.createObjectStore("state");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }
  function tx(store, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var t = database.transaction(store, mode);
        var result = work(t.objectStore(store));
        t.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function stateKey(name) { return (state.venueId || "device") + ":" + name; }
  function saveState(name, value) { return tx("state", "readwrite", function (s) { s.put(value, stateKey(name)); }); }
  function loadState(name) { return tx("state", "readonly", function (s) { return s.get(stateKey(name)); }); }
  function queueAll() {
    return tx("queue", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.venue === state.venueId; });
    });
  }
  function queuePut(item) { return tx("queue", "readwrite", function (s) { s.put(item); }); }
  function queueDelete(keys) { return tx("queue", "readwrite", function (s) { keys.forEach(function (k) { s.delete(k); }); }); }

  // --- Network ----------------------------------------------------------------------

  /* fetch, given up after REQUEST_TIMEOUT_MS: a request that hangs must not hold the
   * door's refresh or sync for the rest of the day (a use re-sent later is idempotent). */
  function fetchWithin(url, init) {
    if (typeof AbortController === "undefined") return fetch(url, init);
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    init.signal = controller.signal;
    return fetch(url, init).finally(function () { clearTimeout(timer); });
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function authHeaders(headers) {
    if (state.token) headers.Authorization = "Device " + state.token;
    else headers["X-CSRFToken"] = csrfToken();
    return headers;
  }
  function api(path, options) {
    options = options || {};
    var headers = authHeaders({ Accept: "application/json" });
    if (options.body) headers["Content-Type"] = "application/json";
    return fetchWithin(settings.api + path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }
  function online() { return navigator.onLine !== false; }

  // --- The banner -------------------------------------------------------------------

  var banner = document.getElementById("door-banner");
  /* "12.03 (5 minutes ago)" in the page's language, or null if never. */
  function ageText(at) {
    if (!at) return null;
    var lang = document.documentElement.lang || "fi";
    var minutes = Math.max(0, Math.round((Date.now() - at) / 60000));
    var relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    var ago = minutes < 120 ? relative.format(-minutes, "minute") : relative.format(-Math.round(minutes / 60), "hour");
    return new Date(at).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) + " (" + ago + ")";
  }
  function updateBanner() {
    return queueAll().then(function (items) {
      var count = items.length;
      banner.classList.toggle("offline", !online());
      var status = online() ? text.online : text.offline;
      var queued = count === 1 ? text.queued_one : text.queued_many.replace("{n}", count);
      banner.querySelector("[data-status]").textContent = status;
      banner.querySelector("[data-queue]").textContent = count ? queued : text.queue_empty;
      var age = ageText(state.listsAt);
      banner.querySelector("[data-lists]").textContent = age ? text.lists_age.replace("{age}", age) : text.lists_never;
      root.dataset.queue = String(count);
      root.dataset.online = online() ? "yes" : "no";
    });
  }

  // --- Offline data: config, keys, revocations --------------------------------------

  function applyConfig(config) {
    state.config = config;
    state.publicKeys = config.public_keys || {};
    renderOffers();
    var name = document.getElementById("door-venue");
    if (name && config.venue) name.textContent = config.venue.name;
  }
  /* The valid-card set, downloaded only when it changed (ETag), verified before use. */
  function refreshValidSet() {
    var headers = authHeaders({});
    if (state.validSet && state.validSetEtag) headers["If-None-Match"] = state.validSetEtag;
    return fetchWithin(settings.api + "venues/" + state.venueId + "/valid-cards/", { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("HTTP " + response.status);
        var etag = response.headers.get("ETag");
        return response.arrayBuffer().then(function (buffer) {
          return Codes.loadValidSet(buffer, state.publicKeys).then(function (parsed) {
            if (!parsed) throw new Error("The valid-card set did not verify");
            state.validSet = parsed;
            state.validSetEtag = etag;
            return saveState("validset", { blob: buffer, etag: etag });
          });
        });
      });
  }
  /* Whether a promise fulfilled, once it has settled either way. */
  function settled(promise) {
    return promise.then(function () { return true; }, function () { return false; });
  }
  /* Config, revocation list and valid-card set from the server; on the page's timer, on
   * load, when the connection returns and after each sync.
   *
   * One refresh at a time: the next starts only when every request of this one has
   * answered or failed. Were a failed part to end it early, an answer still on its way
   * could land after a newer one, and an older full revocation list would forget a card
   * inactivated since (a flaky network or a slow server at the door is enough). */
  var refreshing = null;
  function refresh() {
    if (!online() || !state.venueId) return Promise.resolve();
    if (refreshing) return refreshing;
    refreshing = Promise.all([
      settled(api("venues/" + state.venueId + "/config/").then(function (config) {
        applyConfig(config);
        return Promise.all([saveState("config", config), refreshValidSet()]);
      })),
      settled(api("revocations/?since=" + (state.revocationVersion || 0)).then(function (answer) {
        state.revocations = Codes.applyRevocations(state.revocations, answer);
        state.revocationVersion = answer.version;
        return saveState("revocations", { version: answer.version, map: state.revocations });
      })),
    ]).then(function (done) {
      // Offline or flaky: keep what we have, and the time the lists were last whole.
      if (!done[0] || !done[1]) return null;
      state.listsAt = Date.now();
      root.dataset.listsAt = String(state.listsAt);
      return saveState("lists-at", state.listsAt);
    }).catch(function () { /* the device's storage failed: the lists in memory stand */ })
      .then(function () {
        refreshing = null;
        return updateBanner();
      });
    return refreshing;
  }
  function loadOffline() {
    return Promise.all([loadState("config"), loadState("revocations"), loadState("validset"), loadState("lists-at")]).then(function (values) {
      if (values[0]) applyConfig(values[0]);
      if (values[1]) {
        state.revocations = values[1].map || {};
        state.revocationVersion = values[1].version || 0;
      }
      state.listsAt = values[3] || null;
      if (state.listsAt) root.dataset.listsAt = String(state.listsAt);
      if (!values[2]) return null;
      return Codes.loadValidSet(values[2].blob, state.publicKeys).then(function (parsed) {
        state.validSet = parsed;
        state.validSetEtag = parsed ? values[2].etag : null;
      });
    });
  }
  /* Files for offline use. The service worker keeps each page it serves, so the page is
   * fetched again only on a device's first visit, before the worker controls it. */
  function cacheForOffline() {
    if (!("caches" in window) || !online()) return Promise.resolve();
    return caches.open(CACHE).then(async function (cache) {
      var wanted = settings.assets.slice();
      if (!servedByWorker) wanted.push(location.pathname);
      var missing = [];
      for (var i = 0; i < wanted.length; i++) {
        // Static files have content-hashed names: one kept is never stale.
        if (wanted[i] === location.pathname || !(await cache.match(wanted[i]))) missing.push(wanted[i]);
      }
      await cache.addAll(missing);
      if (!settings.device) {
        // /door/ sends a one-venue user here; keep that answer so /door/ opens offline.
        var index = await cache.match(settings.scope);
        if (!index || index.status !== 200) await cache.put(settings.scope, Response.redirect(location.href, 302));
      }
    }).catch(function () {});
  }

  // --- Scanning: camera, photo, typed -----------------------------------------------

  var zxingReady = null;
  function zxing() {
    if (!zxingReady) {
      zxingReady = Promise.resolve().then(function () {
        window.ZXingWASM.prepareZXingModule({
          overrides: { locateFile: function (path, prefix) { return path.endsWith(".wasm") ? settings.wasm : prefix + path; } },
          fireImmediately: true,
        });
        return window.ZXingWASM;
      });
    }
    return zxingReady;
  }
  var READ_OPTIONS = { formats: ["QRCode", "Code39"], tryHarder: true, maxNumberOfSymbols: 2 };
  function firstText(results) {
    var valid = (results || []).filter(function (r) { return r.isValid && r.text; });
    // A QR code carries more than the barcode's plain number, so prefer it.
    valid.sort(function (a, b) { return (b.format === "QRCode") - (a.format === "QRCode"); });
    return valid.length ? valid[0].text : null;
  }
  function readImage(blob) {
    return zxing().then(function (z) { return z.readBarcodes(blob, READ_OPTIONS); }).then(firstText);
  }

  var camera = { stream: null, timer: null };
  var video = document.getElementById("door-video");
  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showMessage(text.no_camera);
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (stream) {
      camera.stream = stream;
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      document.getElementById("door-camera-start").hidden = true;
      document.getElementById("door-camera-stop").hidden = false;
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      var busy = false;
      camera.timer = setInterval(function () {
        if (busy || !video.videoWidth || root.dataset.view !== "scan") return;
        busy = true;
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        var frame = context.getImageData(0, 0, canvas.width, canvas.height);
        zxing().then(function (z) { return z.readBarcodes(frame, READ_OPTIONS); }).then(function (results) {
          var found = firstText(results);
          if (found) handleScan(found, "camera");
        }).catch(function () {}).then(function () { busy = false; });
      }, 250);
    }).catch(function () { showMessage(text.no_camera); });
  }
  function stopCamera() {
    if (camera.timer) clearInterval(camera.timer);
    if (camera.stream) camera.stream.getTracks().forEach(function (t) { t.stop(); });
    camera.stream = null;
    camera.timer = null;
    video.hidden = true;
    document.getElementById("door-camera-start").hidden = false;
    document.getElementById("door-camera-stop").hidden = true;
  }

  function showMessage(message) {
    var node = document.getElementById("door-message");
    node.textContent = message;
    node.hidden = !message;
  }

  /* The one entry for scanned or typed text: verify, show the verdict. Returns the verdict. */
  async function handleScan(raw, source) {
    var value = String(raw || "").trim();
    if (!value) return null;
    showMessage("");
    var local = await Codes.check(value, {
      publicKeys: state.publicKeys,
      revocations: state.revocations,
      validSet: state.validSet,
      venue: state.config && state.config.venue,
      rules: state.config && state.config.rules,
      legacyFormats: state.config && state.config.legacy_formats,
    });
    var verdict = local;
    var offline = true;
    if (online() && state.venueId) {
      try {
        var server = await api("venues/" + state.venueId + "/check/", { method: "POST", body: { text: value } });
        verdict = {
          valid: server.valid,
          reason: server.reason,
          number: server.number || local.number,
          kind: server.kind,
          childrenAllowed: server.children_allowed,
          groupMax: server.community_group_max,
          renewAt: server.renew_at || "",
          checkedOffline: false,
        };
        offline = false;
      } catch (error) {
        if (error.status === 401 || error.status === 403) showMessage(text.signed_out);
        // Otherwise the network failed: the local verdict stands.
      }
    }
    state.current = { text: value, verdict: verdict, offline: offline, source: source };
    showVerdict(verdict);
    return verdict;
  }

  // --- Verdict and confirm ----------------------------------------------------------

  function reasonText(reason) { return (settings.labels && settings.labels[reason]) || reason; }
  function kindText(kind) { return text["kind_" + kind] || ""; }
  function setView(name) {
    ["scan", "verdict", "done"].forEach(function (view) {
      document.getElementById("door-" + view).hidden = view !== name;
    });
    root.dataset.view = name;
  }
  function showVerdict(verdict) {
    var box = document.getElementById("door-verdict-box");
    var uncertain = Boolean(verdict.uncertain);
    var unknown = uncertain || Boolean(verdict.partyUnknown);
    box.className = "door-verdict " + (verdict.valid ? "ok" : uncertain ? "maybe" : "no");
    root.dataset.verdict = verdict.valid ? "valid" : uncertain ? "unchecked" : "refused";
    root.dataset.reason = verdict.reason || "";
    root.dataset.source = verdict.fromSet ? "set" : verdict.checkedOffline ? "device" : "server";
    document.getElementById("door-verdict-title").textContent = verdict.valid ? text.valid : uncertain ? text.unchecked : text.not_valid;
    var reason = verdict.reason ? reasonText(verdict.reason) : "";
    // An expired or inactivated card: where the holder renews it (the site that registered it).
    if (verdict.renewAt) reason += " " + text.renew_at.replace("{site}", verdict.renewAt);
    document.getElementById("door-verdict-reason").textContent = reason;
    document.getElementById("door-v-number").textContent = verdict.number || "—";
    // What an offline check cannot know is said, never shown as "0 children".
    document.getElementById("door-v-kind").textContent = kindText(verdict.kind) || (unknown ? text.unknown_offline : "—");
    document.getElementById("door-v-children").textContent = unknown
      ? text.children_unknown
      : verdict.kind === "community" ? text.group_max.replace("{n}", verdict.groupMax) : String(verdict.childrenAllowed || 0);
    var note = document.getElementById("door-v-offline");
    var age = ageText(state.listsAt);
    note.textContent = age ? text.checked_offline.replace("{age}", age) : text.checked_offline_never;
    note.hidden = !verdict.checkedOffline;
    var form = document.getElementById("door-confirm");
    form.hidden = !(verdict.valid || uncertain);
    form.reset();
    document.getElementById("door-more").open = false;
    var children = document.getElementById("door-children");
    // Unknown here (typed offline, or from the valid-card set): the server checks it on sync.
    if (unknown) children.removeAttribute("max");
    else children.max = String(verdict.kind === "community" ? 0 : verdict.childrenAllowed || 0);
    document.getElementById("door-children-field").hidden = verdict.kind === "community" || (!unknown && !verdict.childrenAllowed);
    document.getElementById("door-clients-field").hidden = verdict.kind !== "community";
    document.getElementById("door-clients").max = String(verdict.groupMax || 0);
    setView("verdict");
    window.scrollTo(0, 0);
    box.focus({ preventScroll: true });
  }

  function step(event) {
    var button = event.currentTarget;
    var input = document.getElementById(button.dataset.for);
    var next = (parseInt(input.value || "0", 10) || 0) + parseInt(button.dataset.step, 10);
    var max = input.max === "" ? Infinity : parseInt(input.max, 10);
    input.value = String(Math.max(0, Math.min(max, next)));
  }

  function renderOffers() {
    var select = document.getElementById("door-offer");
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    var offers = (state.config && state.config.offers) || [];
    offers.forEach(function (offer) {
      if (offer.occurrences.length) {
        offer.occurrences.forEach(function (occ) {
          var when = new Date(occ.starts_at).toLocaleString(document.documentElement.lang, { dateStyle: "short", timeStyle: "short" });
          select.add(new Option(offer.title + " – " + when, "occ:" + occ.id));
        });
      } else {
        select.add(new Option(offer.title, "offer:" + offer.id));
      }
    });
    select.value = keep;
    var sector = document.getElementById("door-sector");
    if (state.config && state.config.venue && !sector.dataset.touched) sector.value = state.config.venue.sector;
  }

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function lastChars(number) { return number ? "…" + String(number).replace(/-/g, "").slice(-4) : ""; }
  function readConfirm() {
    var choice = document.getElementById("door-offer").value;
    var number = function (id) { return Math.max(0, parseInt(document.getElementById(id).value || "0", 10) || 0); };
    var item = {
      key: newKey(),
      venue: state.venueId,
      text: state.current.text,
      scanned_at: new Date().toISOString(),
      children: number("door-children"),
      community_clients: number("door-clients"),
      assistants: number("door-assistants"),
      sector: document.getElementById("door-sector").value,
      read_with: state.current.source === "typed" ? "typed" : state.current.source === "photo" ? "photo" : "camera",
      offer: null,
      occurrence: null,
      override_reason: "",
      // Kept on the device only, for the synced list: the card's last characters.
      label: lastChars(state.current.verdict.number),
    };
    if (choice.indexOf("occ:") === 0) item.occurrence = parseInt(choice.slice(4), 10);
    if (choice.indexOf("offer:") === 0) item.offer = parseInt(choice.slice(6), 10);
    return item;
  }

  function localPartyReason(item, verdict) {
    if (verdict.uncertain) return "";
    if (verdict.kind === "community") {
      if (item.children) return "too_many_children";
      if (item.community_clients > verdict.groupMax) return "community_group_too_large";
      return "";
    }
    if (item.community_clients) return "community_clients_personal";
    var offer = selectedOffer(item);
    if (item.children && offer && offer.course) return "children_not_allowed_course";
    if (item.children > (verdict.childrenAllowed || 0)) return "too_many_children";
    return "";
  }
  function selectedOffer(item) {
    var offers = (state.config && state.config.offers) || [];
    for (var i = 0; i < offers.length; i++) {
      if (offers[i].id === item.offer) return offers[i];
      for (var j = 0; j < offers[i].occurrences.length; j++) {
        if (offers[i].occurrences[j].id === item.occurrence) return offers[i];
      }
    }
    return null;
  }

  async function confirmUse(event) {
    if (event) event.preventDefault();
    if (!state.current) return null;
    var item = readConfirm();
    var problem = localPartyReason(item, state.current.verdict);
    if (problem) {
      document.getElementById("door-confirm-error").textContent = reasonText(problem);
      return null;
    }
    document.getElementById("door-confirm-error").textContent = "";
    return send(item, !state.current.offline);
  }

  /* Record one use: online at once, or into the queue (also if the network fails now). */
  async function send(item, tryOnline) {
    var outcome = null;
    if (online() && tryOnline) {
      try {
        var body = Object.assign({}, item, { offline: false });
        delete body.venue;
        delete body.label;
        var answer = await api("venues/" + state.venueId + "/uses/", { method: "POST", body: { uses: [body] } });
        outcome = answer.results[0];
      } catch (error) {
        outcome = null; // The network went away between the check and the tap: queue it.
      }
    }
    state.lastItem = item;
    if (outcome) {
      state.last = { key: item.key, use: outcome.use, at: Date.now(), queued: false };
      var accepted = outcome.status === "accepted";
      showDone(accepted ? text.recorded : text.refused_now + " " + reasonText(outcome.reason), accepted);
      // The same staff override as the desk: an already used card let in again, with a reason.
      document.getElementById("door-override").hidden = outcome.reason !== "already_used";
    } else {
      item.offline = true;
      await queuePut(item);
      state.last = { key: item.key, use: null, at: Date.now(), queued: true };
      showDone(text.recorded_offline, true);
      updateBanner();
    }
    return outcome || { key: item.key, status: "queued" };
  }

  async function override(event) {
    if (event) event.preventDefault();
    var reason = document.getElementById("door-override-reason").value.trim();
    if (!reason || !state.lastItem) return null;
    var item = Object.assign({}, state.lastItem, { key: newKey(), override_reason: reason.slice(0, 200), scanned_at: new Date().toISOString() });
    delete item.offline;
    return send(item, true);
  }

  function showDone(message, canUndo) {
    state.current = null;
    document.getElementById("door-done-text").textContent = message;
    document.getElementById("door-undo").hidden = !canUndo;
    document.getElementById("door-override").hidden = true;
    document.getElementById("door-override-reason").value = "";
    setView("done");
    document.getElementById("door-done-text").focus();
  }

  async function undo() {
    var last = state.last;
    if (!last || Date.now() - last.at > UNDO_MS) {
      showMessage(text.undo_too_late);
      return false;
    }
    var queued = (await queueAll()).some(function (i) { return i.key === last.key; });
    if (queued) {
      await queueDelete([last.key]);
    } else if (last.use) {
      try {
        await api("venues/" + state.venueId + "/uses/" + last.use + "/undo/", { method: "POST", body: {} });
      } catch (error) {
        showMessage(text.undo_failed);
        return false;
      }
    } else {
      showMessage(text.undo_failed);
      return false;
    }
    state.last = null;
    document.getElementById("door-undo").hidden = true;
    document.getElementById("door-done-text").textContent = text.undone;
    updateBanner();
    return true;
  }

  // --- Sync -------------------------------------------------------------------------

  async function sync() {
    if (state.syncing || !online() || !state.venueId) return null;
    state.syncing = true;
    var results = [];
    try {
      var items = await queueAll();
      for (var i = 0; i < items.length; i += BATCH) {
        var labels = {};
        var batch = items.slice(i, i + BATCH).map(function (item) {
          var copy = Object.assign({}, item);
          labels[item.key] = item.label || "";
          delete copy.venue;
          delete copy.label;
          return copy;
        });
        var answer = await api("venues/" + state.venueId + "/uses/", { method: "POST", body: { uses: batch } });
        results = results.concat(answer.results.map(function (r) { return Object.assign({ label: labels[r.key] || "" }, r); }));
        // Only what the server answered for leaves the queue; a failure keeps it for later.
        await queueDelete(answer.results.map(function (r) { return r.key; }));
        if (state.last && state.last.queued) {
          answer.results.forEach(function (r) {
            if (r.key === state.last.key) {
              state.last.use = r.use;
              state.last.queued = false;
            }
          });
        }
      }
      if (results.length) {
        showSynced(results);
        refresh(); // what the server just answered may have changed the lists
      }
    } catch (error) {
      /* Try again later. */
    } finally {
      state.syncing = false;
      await updateBanner();
    }
    return results;
  }

  function showSynced(results) {
    var list = document.getElementById("door-synced");
    results.forEach(function (r) {
      var li = document.createElement("li");
      li.dataset.key = r.key;
      li.dataset.status = r.status;
      li.dataset.forced = r.forced ? "yes" : "no";
      var label = r.forced ? text.synced_forced + " " + reasonText(r.reason)
        : r.status === "accepted" ? text.synced_ok
        : r.status === "held" ? text.synced_held
        : text.synced_refused + " " + reasonText(r.reason);
      li.textContent = r.label ? text.synced_card.replace("{card}", r.label).replace("{result}", label) : label;
      list.insertBefore(li, list.firstChild);
    });
    while (list.children.length > 20) list.removeChild(list.lastChild);
    document.getElementById("door-synced-wrap").hidden = false;
  }

  // --- Device mode ------------------------------------------------------------------

  async function setupDevice() {
    state.token = localStorage.getItem("kaiku-door-token");
    var form = document.getElementById("door-device-form");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var token = document.getElementById("door-token").value.trim();
      state.token = token;
      try {
        var me = await api("me/");
        localStorage.setItem("kaiku-door-token", token);
        localStorage.setItem("kaiku-door-venue", String(me.venues[0].id));
        location.reload();
      } catch (error) {
        state.token = null;
        document.getElementById("door-device-error").textContent = text.bad_token;
      }
    });
    var venue = localStorage.getItem("kaiku-door-venue");
    if (!state.token || !venue) {
      document.getElementById("door-device").hidden = false;
      setView("none");
      return false;
    }
    state.venueId = parseInt(venue, 10);
    document.getElementById("door-device").hidden = true;
    return true;
  }

  // --- Start ------------------------------------------------------------------------

  async function start() {
    if (settings.device && !(await setupDevice())) return;
    await loadOffline();
    setView("scan");
    await updateBanner();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(settings.sw, { scope: settings.scope }).catch(function () {});
    }
    await refresh();
    await cacheForOffline();
    // Load the barcode reader while the network is there, so photos read offline too.
    zxing().catch(function () {});
    await sync();
    root.dataset.ready = "yes";
  }

  document.getElementById("door-typed-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("door-typed");
    handleScan(input.value, "typed");
    input.value = "";
  });
  document.getElementById("door-photo").addEventListener("change", function (event) {
    var file = event.target.files && event.target.files[0];
    if (!file) return;
    readImage(file).then(function (found) {
      if (found) handleScan(found, "photo");
      else showMessage(text.no_code_in_photo);
    }).catch(function () { showMessage(text.no_code_in_photo); });
    event.target.value = "";
  });
  document.getElementById("door-camera-start").addEventListener("click", startCamera);
  document.getElementById("door-camera-stop").addEventListener("click", stopCamera);
  document.getElementById("door-confirm").addEventListener("submit", confirmUse);
  document.getElementById("door-sector").addEventListener("change", function (e) { e.target.dataset.touched = "1"; });
  document.getElementById("door-undo").addEventListener("click", undo);
  document.getElementById("door-override").addEventListener("submit", override);
  Array.prototype.forEach.call(document.querySelectorAll(".door-step"), function (b) { b.addEventListener("click", step); });
  ["door-cancel", "door-next"].forEach(function (id) {
    document.getElementById(id).addEventListener("click", function () {
      state.current = null;
      setView("scan");
      document.getElementById("door-typed").focus();
    });
  });
  window.addEventListener("online", function () { updateBanner(); refresh().then(sync); });
  window.addEventListener("offline", updateBanner);
  setInterval(function () { if (online()) sync(); }, SYNC_EVERY_MS);
  // A door left open all day keeps its lists current, and says how old they are.
  setInterval(function () { if (online()) refresh(); else updateBanner(); }, REFRESH_MS);
  setInterval(updateBanner, 30000);

  // For tests and the benchmark: the same handlers the buttons use.
  window.KaikuDoor = {
    handleScan: handleScan,
    confirmUse: confirmUse,
    override: override,
    sync: sync,
    undo: undo,
    readImage: readImage,
    queue: queueAll,
    refresh: refresh,
    state: state,
    ready: start(),
  };
})();
