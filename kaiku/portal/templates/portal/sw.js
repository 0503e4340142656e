/* The portal's service worker: keeps the last digital card for use without a network. */
"use strict";
var CACHE = "{{ version }}";
var CARD = "{% url 'portal:card' %}";
{% load static %}var SHELL = ["{% static 'portal/portal.css' %}", "{% static 'portal/portal.js' %}"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(SHELL).then(function () {
      return fetch(CARD, { credentials: "same-origin", redirect: "manual" }).then(function (r) {
        if (r.ok) { return cache.put(CARD, r); }
      });
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("kaiku-card") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname === CARD) {
    // Network first, so a changed card shows at once; the saved copy when offline.
    event.respondWith(fetch(event.request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(CARD, copy); });
      } else {
        caches.open(CACHE).then(function (cache) { cache.delete(CARD); });
      }
      return response;
    }).catch(function () {
      return caches.match(CARD).then(function (r) { return r || Response.error(); });
    }));
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    event.respondWith(fetch(event.request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () { return caches.match(url.pathname); }));
  }
});
