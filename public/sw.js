// World Prior Lab's service worker: makes the static site work offline.
// - On install it caches every file of the site listed in precache.json (the app, onnxruntime's wasm and
//   the lab-grown pair), so a reload with the server gone still opens the lab and runs the pair.
// - Same-origin GET requests are answered from that cache first, then from the network (and cached).
// - Responses it serves get COOP/COEP headers, so the page is cross-origin isolated (WASM threads)
//   even on a static server that cannot set headers.
// - A file that comes back as an HTML page (an SPA fallback or login page with status 200) fails the
//   install and nothing is kept, so such a page can never be served from this cache.
// Hub models are not handled here: the engine keeps them in its own verified Cache API store.
const PREFIX = 'world-prior-lab-app-';

async function manifest() {
  const res = await fetch('./precache.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`precache.json: HTTP ${res.status}`);
  return res.json();
}

/**
 * Why a response cannot be what `file` names, or null: an HTML page (a server's SPA fallback or login
 * page, served with 200) in place of a model, JSON or wasm file. Such a page is never cached: cached,
 * it would be served first forever, even after the server is fixed.
 */
async function notWhatItSays(file, res) {
  if (file === './' || /\.html?$/.test(file)) return null;
  if (/^\s*text\/html\b/i.test(res.headers.get('content-type') ?? '')) return 'is an HTML page (served as text/html)';
  if (!/\.(json|onnx|wasm|js|mjs|css|txt|md)$/.test(file)) return null;
  const head = new Uint8Array(await res.clone().arrayBuffer()).subarray(0, 256);
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09 || head[i] === 0xef || head[i] === 0xbb || head[i] === 0xbf)) i++;
  const start = new TextDecoder().decode(head.subarray(i, i + 15)).toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html') ? 'is an HTML page' : null;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const { version, files } = await manifest();
      const cache = await caches.open(PREFIX + version);
      try {
        // One by one: a 27 MB wasm and the models should not all be in flight at once.
        for (const file of files) {
          const res = await fetch(file, { cache: 'no-store' });
          if (!res.ok) throw new Error(`${file}: HTTP ${res.status}`);
          const problem = await notWhatItSays(file, res);
          if (problem) throw new Error(`${file}: ${problem}, not the site's file; nothing was cached`);
          await cache.put(file === './' ? './index.html' : file, res);
        }
      } catch (err) {
        // Nothing half-installed stays behind: the site keeps working online and installs next time.
        await caches.delete(PREFIX + version);
        throw err;
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
