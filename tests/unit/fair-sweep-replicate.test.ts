// The fair sweep wired through replicate (issue 20, items 3 and 4) on the smoke setup: `--lr-sweep fair` as
// replicate parses it, run by the lifecycle as replicate runs it (an in-memory store in place of the run folder),
// with the bound on the grid's extensions lowered to keep it short. Every arm is swept at the main run's horizon on
// the selection split, the main runs take each arm's chosen rate, sweep.json records the protocol, and the report
// shows each arm's curve and A at the neighbouring rates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Experiment } from '../../src/core/experiment/lifecycle';
import { MemoryStore } from '../../src/core/experiment/store';
import { sweepData } from '../../src/core/experiment/sweep-plan';
import { sweepExport } from '../../src/core/experiment/export-sweep';
import { splitFiles } from '../../src/core/experiment/export-layout';
import { sequenceSpec } from '../../src/core/experiment/data';
import { sequenceLength } from '../../src/core/data/sequences';
import { readPublicData } from '../../src/cli/data/public-data';
import { loadInputs, type LoadedInputs } from '../../src/cli/experiment-inputs';
import { parseSetup } from '../../src/cli/setup-flags';
import { UsageError } from '../../src/cli/common';
import { useBackend } from './helpers/tf';

const TIMEOUT_MS = 600_000; // a harness limit for a busy 2-core machine, not an assertion about speed
let loaded: LoadedInputs;

describe('replicate --lr-sweep fair (smoke)', () => {
  const setup = parseSetup({ preset: 'smoke', steps: '2', 'lr-sweep': 'fair' });

  beforeAll(async () => {
    await useBackend('wasm');
    loaded = await loadInputs(
      { lm: 'public/models/lm-austen', vq: 'public/models/vq-twemoji32', trainVq: false },
      setup.cfg,
      { name: 'fair', read: readPublicData, shippedCodes: true, log: () => {} },
    );
  }, TIMEOUT_MS);
  afterAll(() => {
    loaded?.lm.dispose();
    loaded?.vq.dispose();
  });

  it('parses the flag: the fair protocol at the full --steps, 2 seeds, centred on --lr; refuses what it overrides', () => {
    expect(setup.sweep).toEqual({ lrs: [], steps: 2, seeds: 2, fair: {} });
    expect(parseSetup({ preset: 'cpu', 'lr-sweep': 'fair', lr: '0.004', 'sweep-seeds': '3' })).toMatchObject({
      cfg: { lr: 0.004, lrByArm: {} },
      sweep: { seeds: 3, fair: {} },
    });
    expect(() => parseSetup({ preset: 'smoke', 'lr-sweep': 'fair', 'sweep-steps': '3' })).toThrow(UsageError);
    expect(() => parseSetup({ preset: 'smoke', 'lr-sweep': 'fair', 'sweep-seeds': '1' })).toThrow(
      /--sweep-seeds must be an integer in \[2, 20\]/,
    );
    expect(() => parseSetup({ preset: 'smoke', 'lr-sweep': 'fair', lr: 'pretrained=0.01' })).toThrow(
      /drop --lr-from and arm=rate pairs/,
    );
    // the old fixed grid still parses as before
    expect(parseSetup({ preset: 'smoke', 'lr-sweep': '1e-3,3e-3' }).sweep).toEqual({
      lrs: [1e-3, 3e-3],
      steps: 2,
      seeds: 1,
    });
  });

  it(
    'sweeps every arm on the selection split, then trains each at its chosen rate; sweep.json and the report show it',
    async () => {
      const store = new MemoryStore();
      const lines: string[] = [];
      const sweep = { ...setup.sweep!, fair: { maxExtensions: 1 } };
      const exp = new Experiment(
        { ...loaded, cfg: setup.cfg, readData: readPublicData, sweep },
        { store, resume: false, log: (s) => lines.push(s) },
      );
      await exp.prepare();
      const saved = (await store.getSweep())!;
      expect(saved.protocol).toEqual({
        centre: setup.cfg.lr,
        ratio: Math.SQRT2,
        points: 6,
        steps: 2,
        seeds: 2,
        maxExtensions: 1,
      });
      expect(saved.steps).toBe(exp.cfg.steps); // the main run's full horizon
      for (const arm of setup.cfg.arms) {
        const rates = new Set(saved.cells.filter((c) => c.arm === arm).map((c) => c.lr));
        expect(rates.size).toBeGreaterThanOrEqual(6);
        expect(saved.cells.filter((c) => c.arm === arm && c.lr === saved.best[arm]).map((c) => c.seed)).toEqual([0, 1]);
        expect(exp.cfg.lrByArm[arm]).toBe(saved.best[arm]); // the main run takes the chosen rate
      }
      // scored on the selection split: whole training concepts, none of the evaluation images
      const sel = sweepData(exp.prepared!.data, loaded.images);
      expect(saved.selection).toEqual({ images: sel.val.count, trainImages: sel.train.count });
      expect(sel.val.count).toBeGreaterThan(0);
      expect(lines.some((l) => l.includes('LR sweep on the selection split'))).toBe(true);
      await exp.runTo();
      const fin = await exp.finish({
        encodePng: () => 'data:,',
        meta: { backend: 'wasm' },
        startedAt: performance.now(),
      });
      exp.dispose();
      expect(fin.html).toContain('Held-out loss after the sweep budget vs learning rate');
      expect(fin.html).toContain('A at neighbouring rates');
      expect(fin.report.caveats.some((c) => c.startsWith('Learning rates: the fair sweep'))).toBe(true);
      expect((fin.report.meta.sweep as { protocol?: unknown }).protocol).toEqual(saved.protocol);
      expect(fin.report.meta.countModel).toMatchObject({ evalImages: 9 });
      expect((fin.report.meta.perImage as { concepts: number[] }).concepts).toHaveLength(9);
    },
    TIMEOUT_MS,
  );

  it(
    'exports the sweep for the torch engine on its own split: selection images out of the training sequences, none of the evaluation images',
    async () => {
      const exp = new Experiment(
        { ...loaded, cfg: setup.cfg, readData: readPublicData, sweep: undefined },
        { store: new MemoryStore(), resume: false, log: () => {} },
      );
      await exp.prepare();
      const { data, alignedRows } = exp.prepared!;
      const spec = sequenceSpec(data, exp.cfg.captionBudget, false);
      const T = sequenceLength(spec);
      const sel = sweepData(data, loaded.images);
      const plan = { lrs: [], steps: 2, seeds: 2, fair: {} };
      const sx = sweepExport(exp.cfg, plan, sel, loaded.lm, alignedRows, spec, T);
      // Sequences as byte rows of T uint16 ids, to compare the splits' sets.
      const rows = (ids: Uint8Array) => {
        const out: string[] = [];
        for (let i = 0; i < ids.length; i += 2 * T) out.push(Buffer.from(ids.subarray(i, i + 2 * T)).toString('hex'));
        return out;
      };
      const mainTrain = new Set(rows(splitFiles(spec, data.train, data.imageTokens).ids));
      const mainVal = new Set(rows(splitFiles(spec, data.val, data.imageTokens).ids));
      const sweepTrain = rows(sx.files.get('sweep/train.bin')!);
      const sweepVal = rows(sx.files.get('sweep/val.bin')!);
      expect(sweepVal.length).toBe(sx.meta.selection.images);
      expect(sweepTrain.length).toBe(sx.meta.selection.trainImages);
      expect(sweepVal.length).toBeGreaterThan(0);
      expect(sweepTrain.length + sweepVal.length).toBe(data.train.count); // the training split, cut in two
      for (const r of [...sweepTrain, ...sweepVal]) expect(mainTrain.has(r) && !mainVal.has(r)).toBe(true);
      const heldOut = new Set(sweepVal);
      expect(sweepTrain.some((r) => heldOut.has(r))).toBe(false);
      expect(sx.files.get('sweep/val.mask.bin')!.length).toBe(sweepVal.length * (T - 1));
      // The batch order indexes the sweep's own training sequences, B distinct ones per step, seeds 0 and 1.
      const [seeds, steps, B] = sx.meta.batches.shape;
      expect([seeds, steps]).toEqual([2, exp.cfg.steps]);
      const order = new Uint32Array(new Uint8Array(sx.files.get('sweep/order.bin')!).buffer);
      expect(order.length).toBe(seeds * steps * B);
      for (let k = 0; k < seeds * steps; k++) {
        const batch = order.subarray(k * B, (k + 1) * B);
        expect(new Set(batch).size).toBe(B);
        expect(Math.max(...batch)).toBeLessThan(sweepTrain.length);
      }
      expect(sx.protocol).toMatchObject({ centre: exp.cfg.lr, points: 6, steps: exp.cfg.steps, seeds: 2 });
      expect(() => sweepExport({ ...exp.cfg, firstSeed: 3 }, plan, sel, loaded.lm, alignedRows, spec, T)).toThrow(
        /--first-seed 3 cannot hold its LR sweep/,
      );
      exp.dispose();
    },
    TIMEOUT_MS,
  );
});
