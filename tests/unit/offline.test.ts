// Offline support's pure parts: which built files the service worker keeps, which cached file answers a request,
// the isolation headers it adds, the cache version (changes with any file's content), and when the page registers it.
import { describe, expect, it } from 'vitest';
import { cachedPathFor, ISOLATION, precacheList, withIsolation } from '../../src/sw/precache';
import { offlineChoice } from '../../src/app/offline';
import { versionOf } from '../../vite/offline';

const SCOPE = 'https://school.example/tabula/';

describe('offline', () => {
  it('keeps every built file but the bench page, its scripts, source maps and the worker itself, sorted', () => {
    const built = [
      'sw.js',
      'index.html',
      'bench.html',
      'assets/bench-Bs8k.js',
      'assets/bench.worker-CRdq.js',
      'assets/main-b9Eo.js',
      'assets/main-b9Eo.js.map',
      'assets/trainer.worker-Bn2T.js',
      'data/emoji/images.bin',
      'models/lm-austen/model.safetensors',
      'favicon.svg',
    ];
    expect(precacheList(built)).toEqual([
      'assets/main-b9Eo.js',
      'assets/trainer.worker-Bn2T.js',
      'data/emoji/images.bin',
      'favicon.svg',
      'index.html',
      'models/lm-austen/model.safetensors',
    ]);
  });

  it('answers navigations to the app with index.html, files with themselves, and leaves the rest to the network', () => {
    expect(cachedPathFor(`${SCOPE}?preset=lesson#experiment`, SCOPE, 'GET', true)).toBe('index.html');
    expect(cachedPathFor(SCOPE, SCOPE, 'GET', false)).toBe('index.html');
    expect(cachedPathFor(`${SCOPE}some/route`, SCOPE, 'GET', true)).toBe('index.html');
    expect(cachedPathFor(`${SCOPE}runs/arms/report.html`, SCOPE, 'GET', true)).toBe('runs/arms/report.html');
    expect(cachedPathFor(`${SCOPE}data/emoji/captions%20v2.json`, SCOPE, 'GET', false)).toBe(
      'data/emoji/captions v2.json',
    );
    expect(cachedPathFor(`${SCOPE}assets/main.js`, SCOPE, 'POST', false)).toBeNull();
    expect(cachedPathFor('https://school.example/other/app.js', SCOPE, 'GET', false)).toBeNull();
    expect(cachedPathFor('https://cdn.example/tabula/x.js', SCOPE, 'GET', false)).toBeNull();
  });

  it('adds COOP, COEP and CORP, keeping the other headers and any the host sent', () => {
    const h = withIsolation(
      new Headers({ 'Content-Type': 'text/html', 'Cross-Origin-Resource-Policy': 'cross-origin' }),
    );
    expect(h.get('content-type')).toBe('text/html');
    expect(h.get('cross-origin-opener-policy')).toBe(ISOLATION['Cross-Origin-Opener-Policy']);
    expect(h.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(h.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it("versions the cache by every kept file's path and content", () => {
    const a = [
      { path: 'index.html', bytes: new Uint8Array([1, 2]) },
      { path: 'data/x.bin', bytes: new Uint8Array([3]) },
    ];
    const v = versionOf(a);
    expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(versionOf(a.map((f) => ({ ...f })))).toBe(v);
    expect(versionOf([a[0], { path: 'data/x.bin', bytes: new Uint8Array([4]) }])).not.toBe(v);
    expect(versionOf([a[0], { path: 'data/y.bin', bytes: new Uint8Array([3]) }])).not.toBe(v);
  });

  it('registers only in a production build: sw=0 unregisters, sw=1 registers, automation skips unless asked', () => {
    expect(offlineChoice('?sw=1', false, false)).toBe('skip');
    expect(offlineChoice('', true, false)).toBe('register');
    expect(offlineChoice('?preset=lesson&sw=0', true, false)).toBe('unregister');
    expect(offlineChoice('', true, true)).toBe('skip');
    expect(offlineChoice('?sw=1', true, true)).toBe('register');
  });
});
