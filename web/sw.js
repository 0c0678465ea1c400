// The page's offline copy (docs/web.md): its own four files, network first so a new build is
// taken whenever the gateway answers, the cached copy when it does not. The API (/v1/...,
// /health) never passes through here: the history lives in IndexedDB, not in this cache.
const CACHE = "dnasync-page-1";
const FILES = ["", "index.html", "app.js", "style.css"]; // relative to the scope; "" is the page

const ours = (req) => req.method === "GET" && req.url.startsWith(self.registration.scope) &&
  FILES.includes(req.url.slice(self.registration.scope.length).split(/[?#]/)[0]);

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES.map((f) => f || "./"))).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (e) => {
  if (!ours(e.request)) return;
  e.respondWith(fetch(e.request).then((r) => {
    if (r.ok) { const copy = r.clone(); e.waitUntil(caches.open(CACHE).then((c) => c.put(e.request, copy))); }
    return r;
  }, () => caches.match(e.request, { ignoreSearch: true }).then((r) => r || Response.error())));
});
