/* The judge's pages offline (served at /judge/sw.js, scope /judge/).
 *
 * The shell (the stylesheet, the scoring script, the offline page) is kept
 * at install; each judge page is fetched from the network first and kept, so
 * the sheets a judge opened (and those the dashboard lists, which it asks to
 * keep) open again without a connection. Nothing but GET requests of this
 * origin is touched: saves go to the network, queued by the page itself. */
"use strict";

const SHELL = "milset-shell-v1";
const PAGES = "milset-pages-v1";
const OFFLINE_PAGE = "/judge/offline";
const SHELL_URLS = ["/static/css/app.css", "/static/js/offline-scoring.js", OFFLINE_PAGE];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== SHELL && n !== PAGES).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function fromNetworkKept(request, cacheName) {
  return fetch(request).then((response) => {
    // Only a page the judge was given (not a redirect to the login page, not an error) is kept.
    if (response.ok && !response.redirected) {
      const copy = response.clone();
      caches.open(cacheName).then((cache) => cache.put(request, copy));
    }
    return response;
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request, {ignoreSearch: true})
      .then((kept) => kept || fromNetworkKept(request, SHELL)));
  } else if (request.mode === "navigate" && url.pathname.startsWith("/judge/")) {
    event.respondWith(fromNetworkKept(request, PAGES)
      .catch(() => caches.match(request).then((kept) => kept || caches.match(OFFLINE_PAGE))));
  }
});
