// decideBackend: probe figures in, a choice and its reason out — fastest wins, ties go to probe order, failed and
// non-finite backends are skipped with their reasons.
import { describe, expect, it } from 'vitest';
import { decideBackend, type ProbeFigure } from '../../src/core/backend-probe';

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
