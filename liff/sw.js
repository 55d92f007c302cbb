/* Keeps the card page's shell so it opens without a network (stores underground).
 * Network first, the cache when offline; the card API itself is never cached here
 * (the page keeps the last card in localStorage, without its expired QR code). */
var SHELL = "member-card-shell-v1";
var SHELL_FILES = ["/liff/card", "/liff/card.css", "/liff/card.js", "/liff/config.js",
  "/liff/liff-standin.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_FILES).catch(function () {});
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  var shell = url.origin === self.location.origin && url.pathname.indexOf("/liff/") === 0;
  if (!shell && url.hostname !== "static.line-scdn.net") { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok || response.type === "opaque") {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: true }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
