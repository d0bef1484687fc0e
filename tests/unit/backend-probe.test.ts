// The backend probe's rules: decideBackend (fastest wins, ties to probe order, failed and non-finite backends skipped
// with their reasons), the order and deadlines, which backends are skipped, the cache key and format, the choice shown.
import { describe, expect, it } from 'vitest';
import {
  bestStepMs,
  cacheLookup,
  cacheStore,
  cutReason,
  DEADLINE_OVER_BEST,
  decideBackend,
  FIRST_DEADLINE_MS,
  PROBE_CACHE_ENTRIES,
  PROBE_FLOOR_MS,
  PROBE_ORDER,
  PROBE_SHAPE,
  probeCacheKey,
  probeDeadlineMs,
  probedChoice,
  probeSkip,
  type ProbeFacts,
  type ProbeFigure,
} from '../../src/core/backend-probe';
import { DEFAULT_BENCH } from '../../src/core/bench';

describe('decideBackend', () => {
  it('a slow (software or integrated) GPU loses to a fast CPU backend', () => {
    const d = decideBackend([
      { backend: 'webgpu', ok: true, stepMs: 2400, loss: 5.1 },
      { backend: 'wasm', ok: true, stepMs: 180, loss: 5.1 },
      { backend: 'cpu', ok: true, stepMs: 900, loss: 5.1 },
    ]);
    expect(d.backend).toBe('wasm');
    expect(d.ranked.map((r) => r.backend)).toEqual(['wasm', 'cpu', 'webgpu']);
    expect(d.reason).toContain('wasm 180 ms');
    expect(d.reason).toContain('webgpu 2400 ms');
  });

  it('a fast GPU wins', () => {
    const d = decideBackend([
      { backend: 'webgpu', ok: true, stepMs: 30, loss: 5 },
      { backend: 'wasm', ok: true, stepMs: 180, loss: 5 },
    ]);
    expect(d.backend).toBe('webgpu');
    expect(d.skipped).toEqual([]);
  });

  it('within the tie margin the backend probed first wins; outside it the faster one', () => {
    const tie = decideBackend([
      { backend: 'webgpu', ok: true, stepMs: 104, loss: 5 },
      { backend: 'wasm', ok: true, stepMs: 100, loss: 5 },
    ]);
    expect(tie.backend).toBe('webgpu');
    expect(tie.reason).toMatch(/ties with wasm/);
    const apart = decideBackend([
      { backend: 'webgpu', ok: true, stepMs: 106, loss: 5 },
      { backend: 'wasm', ok: true, stepMs: 100, loss: 5 },
    ]);
    expect(apart.backend).toBe('wasm');
  });

  it('skips a backend that failed to start, gave a non-finite loss or an unusable time, and says why', () => {
    const figures: ProbeFigure[] = [
      { backend: 'webgpu', ok: false, why: 'no adapter' },
      { backend: 'webgl', ok: true, stepMs: 10, loss: NaN },
      { backend: 'wasm', ok: true, stepMs: 0, loss: 5 },
      { backend: 'cpu', ok: true, stepMs: 700, loss: 5 },
    ];
    const d = decideBackend(figures);
    expect(d.backend).toBe('cpu');
    expect(d.skipped.map((s) => s.backend)).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(d.skipped[1].why).toContain('NaN');
    expect(d.reason).toMatch(/only backend/);
  });

  it('no usable figure gives no backend and names each failure', () => {
    const d = decideBackend([
      { backend: 'webgpu', ok: false, why: 'no adapter' },
      { backend: 'wasm', ok: true, stepMs: 50, loss: Infinity },
    ]);
    expect(d.backend).toBeNull();
    expect(d.reason).toContain('webgpu (no adapter)');
    expect(d.reason).toContain('wasm');
    expect(decideBackend([]).backend).toBeNull();
  });
});

describe('the probe: order, deadline, skips, cache', () => {
  const facts: ProbeFacts = {
    adapter: 'google|swiftshader|SwiftShader Device (Subzero) (fallback)',
    adapterWhy: null,
    webglRenderer: 'ANGLE (SwiftShader)',
    wasmThreads: 2,
    userAgent: 'Chromium/140',
  };

  it('times wasm first; its shape is the bench default at 4 rows', () => {
    expect(PROBE_ORDER[0]).toBe('wasm');
    const { batch, warmup, steps, ...shape } = PROBE_SHAPE;
    const { batch: _b, warmup: _w, steps: _s, ...bench } = DEFAULT_BENCH;
    expect(shape).toEqual(bench);
    expect([batch, warmup, steps]).toEqual([4, 1, 2]);
  });

  it('gives the first backend a generous deadline and every later one a multiple of the best step, with a floor', () => {
    expect(probeDeadlineMs(null)).toBe(FIRST_DEADLINE_MS);
    expect(probeDeadlineMs(100)).toBe(PROBE_FLOOR_MS); // 8 × 100 ms is under the floor
    expect(probeDeadlineMs(1000)).toBe(DEADLINE_OVER_BEST * 1000);
    expect(probeDeadlineMs(NaN)).toBe(FIRST_DEADLINE_MS);
    const figures: ProbeFigure[] = [
      { backend: 'wasm', ok: true, stepMs: 900, loss: 5 },
      { backend: 'webgpu', ok: false, why: 'cut' },
      { backend: 'webgl', ok: true, stepMs: 600, loss: NaN },
    ];
    expect(bestStepMs(figures)).toBe(900); // a non-finite loss does not count
    expect(cutReason(7200, 900)).toMatch(/after 7\.2 s \(8× the best step, 900 ms/);
  });

  it('skips webgpu without an adapter, webgl without a context, and cpu once wasm has a figure', () => {
    const wasmRan: ProbeFigure[] = [{ backend: 'wasm', ok: true, stepMs: 300, loss: 5 }];
    expect(probeSkip('webgpu', facts, wasmRan)).toBeNull();
    expect(probeSkip('webgpu', { ...facts, adapter: null, adapterWhy: 'no adapter here' }, wasmRan)).toBe(
      'no adapter here',
    );
    expect(probeSkip('webgl', { ...facts, webglRenderer: null }, wasmRan)).toMatch(/WebGL2/);
    expect(probeSkip('cpu', facts, wasmRan)).toMatch(/same CPU/);
    expect(probeSkip('cpu', facts, [{ backend: 'wasm', ok: false, why: 'failed' }])).toBeNull();
  });

  it('keys the cache on the adapter, renderer, threads, browser and model shape', () => {
    const k = probeCacheKey(facts);
    expect(probeCacheKey({ ...facts })).toBe(k);
    for (const other of [
      { ...facts, adapter: 'nvidia|ampere|RTX' },
      { ...facts, webglRenderer: 'ANGLE (NVIDIA)' },
      { ...facts, wasmThreads: 8 },
      { ...facts, userAgent: 'Chromium/141' },
    ])
      expect(probeCacheKey(other)).not.toBe(k);
    expect(probeCacheKey(facts, { ...PROBE_SHAPE, embd: 256 })).not.toBe(k);
  });

  it('stores and reads back figures per key (NaN survives as a skipped loss), forgets, caps, and shrugs at junk', () => {
    const entry = {
      figures: [
        { backend: 'wasm', ok: true, stepMs: 300, loss: 5.1 },
        { backend: 'webgl', ok: true, stepMs: 200, loss: NaN },
        { backend: 'webgpu', ok: false, why: 'cut' },
      ] as ProbeFigure[],
      at: 1,
      ms: 4200,
    };
    const raw = cacheStore(null, 'a', entry);
    const back = cacheLookup(raw, 'a')!;
    expect(back.ms).toBe(4200);
    expect(decideBackend(back.figures).backend).toBe('wasm'); // webgl's NaN loss still skips it
    expect(cacheLookup(raw, 'b')).toBeNull();
    expect(cacheLookup(cacheStore(raw, 'a', null), 'a')).toBeNull();
    let many: string | null = null;
    for (let i = 0; i < PROBE_CACHE_ENTRIES + 3; i++) many = cacheStore(many, `k${i}`, { ...entry, at: i });
    expect(cacheLookup(many, 'k0')).toBeNull();
    expect(cacheLookup(many, `k${PROBE_CACHE_ENTRIES + 2}`)?.at).toBe(PROBE_CACHE_ENTRIES + 2);
    for (const junk of ['{', '{}', '[["a",{"figures":[{"backend":"tpu","ok":true,"stepMs":1}],"at":1,"ms":1}]]'])
      expect(cacheLookup(junk, 'a')).toBeNull();
  });

  it('the choice shows the figures, marks a cached probe, and notes a run kept on another backend', () => {
    const started = {
      backend: 'wasm' as const,
      requested: 'wasm' as const,
      reason: 'wasm was requested.',
      refusals: [],
    };
    const probe = {
      figures: [
        { backend: 'wasm', ok: true, stepMs: 300, loss: 5 },
        { backend: 'webgpu', ok: false, why: 'it had not finished', kind: 'cut' },
        { backend: 'webgl', ok: true, stepMs: 700, loss: 5 },
        { backend: 'cpu', ok: false, why: 'wasm ran', kind: 'not-timed' },
      ] as ProbeFigure[],
      at: Date.UTC(2026, 11, 5),
      ms: 5000,
    };
    const c = probedChoice(started, probe, true);
    expect(c.requested).toBe('auto');
    expect(c.reason).toMatch(/wasm ran one train step fastest.*earlier visit, 2026-12-05/);
    expect(c.refusals.map((r) => [r.backend, r.reason])).toEqual([
      ['webgpu', 'probe-cut'],
      ['cpu', 'not-probed'],
      ['webgl', 'slower-here'],
    ]);
    // The kinds survive the cache.
    expect(cacheLookup(cacheStore(null, 'k', probe), 'k')!.figures).toEqual(probe.figures);
    expect(c.probe).toMatchObject({ batch: 4, context: 96, cached: true, ms: 5000 });
    const kept = probedChoice({ ...started, backend: 'webgl' }, probe, false, 'This run stays on webgl.');
    expect(kept.reason).toMatch(/This run stays on webgl\.$/);
    expect(kept.probe?.note).toBe('This run stays on webgl.');
  });
});
