{% autoescape off %}// The quick log's service worker (issue 13): after one visit online, the quick log and the
// day's list open without a connection. Served by visits.offline_views.service_worker, which
// fills in the shell's files with their revisions; the release is {{ release }}.
//
// - The application shell (styles, scripts, icons) is precached by Workbox; a new release
//   changes the revisions, and Workbox replaces what changed and drops the rest.
// - The counter's pages (a site's quick log and its day's list) are network-first with a
//   short timeout, kept per release: offline, the last copy answers. A page that answered
//   with a redirect (the sign-in page, after a session ended) is never kept in its place.
// - Signing out deletes the kept pages (the "message" listener below).
// - Nothing else is touched: the API, forms sent with POST and every other page go to the
//   network as if there were no worker. Visits saved offline wait in the page's outbox
//   (static/js/visit-outbox.js), not here.
importScripts({{ workbox_scripts }});

const RELEASE = "{{ release }}";
const PAGES = "servicecenter-pages-" + RELEASE;
const COUNTER_PAGE = /^\/visits\/(?!list\/)[\w-]+\/(today\/)?$/;

workbox.core.setCacheNameDetails({ prefix: "servicecenter", suffix: "" });
workbox.precaching.precacheAndRoute({{ precache }});
workbox.precaching.cleanupOutdatedCaches();

const notRedirected = {
  cacheWillUpdate: async ({ response }) =>
    response && response.status === 200 && !response.redirected ? response : null,
};

workbox.routing.registerRoute(
  ({ url, request }) =>
    url.origin === self.location.origin && request.method === "GET" && COUNTER_PAGE.test(url.pathname),
  new workbox.strategies.NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: {{ network_timeout_seconds }},
    plugins: [notRedirected],
    // Django varies its pages on Cookie, which a worker's request never carries.
    matchOptions: { ignoreVary: true },
  }),
);

// Sent by the sign-out form (static/js/app.js): the kept pages show the signed-in user's name
// and the day's visits, so they go with the session. The outbox is the page's, and stays.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "signed-out") return;
  event.waitUntil(caches.delete(PAGES).then(() => {
    if (event.ports[0]) event.ports[0].postMessage("forgotten");
  }));
});

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith("servicecenter-pages-") && name !== PAGES)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});
{% endautoescape %}