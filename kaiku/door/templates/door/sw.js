/* Kaiku door service worker: keeps the door page and its files for offline use.
   Network first (so a deploy shows up at once), the cache when the network fails.
   The API is never cached: the page keeps its own data in IndexedDB. */
const CACHE = "kaiku-door-v1";
const ASSETS = {{ assets|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).catch(() => {}).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  // Printables (PDF) are never kept: a slip may be reprinted with other details.
  const ours = (url.pathname.startsWith("/door/") && !url.pathname.endsWith(".pdf")) || ASSETS.includes(url.pathname);
  if (!ours) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: true, ignoreVary: true }).then((hit) => hit || Response.error()))
  );
});
