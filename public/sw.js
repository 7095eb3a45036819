// World Prior Lab's service worker: makes the static site work offline.
// - On install it caches every file of the site listed in precache.json (the app, onnxruntime's wasm and
//   the lab-grown pair), so a reload with the server gone still opens the lab and runs the pair.
// - Same-origin GET requests are answered from that cache first, then from the network (and cached).
// - Responses it serves get COOP/COEP headers, so the page is cross-origin isolated (WASM threads)
//   even on a static server that cannot set headers.
// Hub models are not handled here: the engine keeps them in its own verified Cache API store.
const PREFIX = 'world-prior-lab-app-';

async function manifest() {
  const res = await fetch('./precache.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`precache.json: HTTP ${res.status}`);
  return res.json();
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const { version, files } = await manifest();
      const cache = await caches.open(PREFIX + version);
      // One by one: a 27 MB wasm and the models should not all be in flight at once.
      for (const file of files) {
        const res = await fetch(file, { cache: 'no-store' });
        if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
        await cache.put(file === './' ? './index.html' : file, res);
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const { version } = await manifest().catch(() => ({ version: null }));
      if (version) {
        for (const key of await caches.keys()) if (key.startsWith(PREFIX) && key !== PREFIX + version) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

function isolated(res) {
  if (!res || res.type === 'opaque' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function fromCache(request) {
  const url = new URL(request.url);
  const keys = await caches.keys();
  for (const key of keys.filter((k) => k.startsWith(PREFIX)).reverse()) {
    const cache = await caches.open(key);
    const hit =
      (await cache.match(request, { ignoreSearch: true })) ||
      (request.mode === 'navigate' || url.pathname.endsWith('/') ? await cache.match('./index.html') : undefined);
    if (hit) return hit;
  }
  return undefined;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  if (new URL(request.url).pathname.endsWith('/precache.json')) return;
  event.respondWith(
    (async () => {
      const cached = await fromCache(request);
      if (cached) return isolated(cached);
      try {
        return isolated(await fetch(request));
      } catch (err) {
        return new Response(`offline and not cached: ${new URL(request.url).pathname}`, { status: 504, headers: { 'content-type': 'text/plain' } });
      }
    })(),
  );
});
