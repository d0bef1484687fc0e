// What the service worker keeps and how it answers, as pure functions (tests/unit/offline.test.ts): the list of built
// files to cache for offline use (the bench page left out), the cache's version (a hash of every file's content, so
// a rebuild that changes any file starts a fresh cache), which cached file answers a request, and the
// cross-origin-isolation headers it adds to every response it serves (what coi-serviceworker does), so a host that
// cannot send COOP/COEP still gets a cross-origin-isolated page and tfjs's multi-threaded wasm.

/** The headers that make a page cross-origin isolated, and the one that lets it embed its own files under COEP. */
export const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

/** Built files not worth keeping offline: the benchmark page and its scripts, source maps, the worker itself. */
const SKIP = [/^bench\.html$/, /^assets\/bench[-.]/, /\.map$/, /^sw\.js$/];

/**
 * The files to cache, as paths relative to the site root ('index.html', 'assets/main-x.js', 'data/…'), sorted;
 * `files` are all the paths in the build output.
 */
export function precacheList(files: string[]): string[] {
  return files.filter((f) => !SKIP.some((re) => re.test(f))).sort();
}

/**
 * The cached path that answers a request, or null when the worker should leave it to the network: same-origin GETs
 * under the scope only; the scope itself, or a navigation to a path without a file extension, is answered by
 * index.html whatever its query.
 * `url` and `scope` are absolute URLs; `scope` ends in '/'.
 */
export function cachedPathFor(url: string, scope: string, method: string, navigate: boolean): string | null {
  if (method !== 'GET' || !url.startsWith(scope)) return null;
  const path = decodeURIComponent(new URL(url).pathname.slice(new URL(scope).pathname.length));
  // A navigation to the app (any path without a file extension) gets index.html; to a page (report.html), that page.
  if (path === '' || (navigate && !/\.[a-z0-9]+$/i.test(path))) return 'index.html';
  return path;
}

/** A copy of `headers` with the isolation headers set (kept as they are when the host already sent them). */
export function withIsolation(headers: Headers): Headers {
  const out = new Headers(headers);
  for (const [k, v] of Object.entries(ISOLATION)) if (!out.has(k)) out.set(k, v);
  return out;
}
