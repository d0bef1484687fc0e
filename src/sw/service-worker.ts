// The service worker (built to sw.js by vite/offline.ts, registered by src/app/offline.ts in production builds): it
// makes the built site work offline and cross-origin isolated on any static host. Install caches the app shell
// (index.html, scripts, styles, wasm); when the page asks ('fill'), it caches the rest of the build — data, models,
// recorded runs — and tells the page when all is kept. Every same-origin GET is answered from the cache first, then
// the network (keeping what it fetched); a file the build does not have answers 404 offline as the host would. Each
// response it serves carries COOP/COEP/CORP (precache.ts), which makes the page cross-origin isolated where the host
// cannot send those headers. A new build has a new version and so a new cache; the old one is deleted on activation.
import { cachedPathFor, withIsolation } from './precache';

declare const self: ServiceWorkerGlobalScope;
/** Replaced in the built sw.js by vite/offline.ts: the version and the files to keep. */
declare const __OFFLINE_VERSION__: string;
declare const __OFFLINE_FILES__: string[];

const CACHE = `tabula-rasa-${__OFFLINE_VERSION__}`;
const FILES = new Set(__OFFLINE_FILES__);
const SHELL = __OFFLINE_FILES__.filter(
  (f) => f === 'index.html' || f.startsWith('assets/') || f.endsWith('.webmanifest') || f.endsWith('.svg'),
);
const scope = () => self.registration.scope;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL.map((f) => new URL(f, scope()).href));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys())
        if (key.startsWith('tabula-rasa-') && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

/** Caches every file of the build not cached yet (a few at a time), then tells every page how many are kept. */
async function fill(): Promise<void> {
  const cache = await caches.open(CACHE);
  const missing: string[] = [];
  for (const f of FILES) if (!(await cache.match(new URL(f, scope()).href))) missing.push(f);
  let failed = 0;
  const queue = [...missing];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const r = await fetch(new URL(f, scope()).href).catch(() => null);
      if (r?.ok) await cache.put(new URL(f, scope()).href, r);
      else failed++;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const kept = FILES.size - failed;
  for (const c of await self.clients.matchAll({ type: 'window' }))
    c.postMessage({ type: 'offline', kept, total: FILES.size, version: __OFFLINE_VERSION__ });
}

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'fill') event.waitUntil(fill());
});

/** The same response with the cross-origin-isolation headers (an opaque response cannot be rewrapped). */
function isolated(r: Response): Response {
  if (r.type === 'opaque' || r.type === 'opaqueredirect' || r.status === 0) return r;
  return new Response(r.body, { status: r.status, statusText: r.statusText, headers: withIsolation(r.headers) });
}

async function answer(request: Request, path: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  const key = new URL(path, scope()).href;
  const hit = await cache.match(key);
  if (hit) return isolated(hit);
  try {
    const r = await fetch(request);
    if (r.ok && FILES.has(path) && !request.headers.has('range')) await cache.put(key, r.clone());
    return isolated(r);
  } catch (e) {
    // Offline: a file the build has not got is missing, as the host would say; one it has is a network failure.
    if (!FILES.has(path))
      return isolated(new Response(`${path}: not part of this site`, { status: 404, statusText: 'Not Found' }));
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  const path = cachedPathFor(event.request.url, scope(), event.request.method, event.request.mode === 'navigate');
  if (path === null) return;
  event.respondWith(answer(event.request, path));
});
