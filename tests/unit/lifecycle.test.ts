// The experiment lifecycle end to end on the smoke setup (the shipped LM, VQ tokenizer and emoji, wasm) with an
// in-memory store: a run to the end keeps every record and gives the report; an experiment stopped after preparing,
// after the LR sweep, mid-training at several steps and before finishing, resumed each time from the store, logs
// exactly the records (in the same order) and gives exactly the report numbers of the uninterrupted run; a pause that
// leaves the runs at different steps, with the page's step-0 timing, resumes to the same records; a run whose weights
// turn NaN is never checkpointed; a store of 300k records resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, type ExperimentConfig } from '../../src/core/experiment/config';
import { Experiment, type LifecycleOptions } from '../../src/core/experiment/lifecycle';
import type { ExperimentInputs } from '../../src/core/experiment/lifecycle-inputs';
import type { MetricRecord } from '../../src/core/experiment/runner';
import { MemoryStore } from '../../src/core/experiment/store';
import { readPublicData } from '../../src/cli/data/public-data';
import { loadInputs, type LoadedInputs } from '../../src/cli/experiment-inputs';
import { useBackend } from './helpers/tf';

// Each test trains the smoke experiment more than once (and finishes it); on a busy 2-core machine that can pass the
// suite's default limit, which is a harness limit, not an assertion about speed.
const TIMEOUT_MS = 400_000;
const cfg: ExperimentConfig = { ...PRESETS.smoke };
const SWEEP = { lrs: [1e-3, 3e-3], steps: 2, seeds: 1 };
let loaded: LoadedInputs;
let whole: { records: MetricRecord[]; report: Record<string, unknown>; store: MemoryStore };

const inputs = (): ExperimentInputs => ({ ...loaded, cfg, readData: readPublicData, sweep: SWEEP });
const start = (store: MemoryStore, resume: boolean, extra: Partial<LifecycleOptions> = {}) =>
  new Experiment(inputs(), { store, resume, ...extra });
/** The records without wall-clock, speed and memory figures (they differ between any two runs). */
const numbers = (records: MetricRecord[]) =>
  records.filter((r) => !/^(speed|mem)\//.test(r.metric)).map(({ wallTime: _wallTime, ...r }) => r);
const sorted = (records: MetricRecord[]) =>
  [...numbers(records)].sort(
    (a, b) => a.arm.localeCompare(b.arm) || a.seed - b.seed || a.step - b.step || a.metric.localeCompare(b.metric),
  );
/** The report without what depends on the clock or the records' speed figures. */
function reportNumbers(report: object): unknown {
  return JSON.parse(JSON.stringify(report, (k, v) => (k === 'seconds' ? undefined : v)));
}

async function finishOf(exp: Experiment) {
  const fin = await exp.finish({ encodePng: () => 'data:,', meta: { backend: 'wasm' }, startedAt: performance.now() });
  return fin.report as unknown as Record<string, unknown>;
}

describe('experiment lifecycle (smoke, in memory)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    loaded = await loadInputs(
      { lm: 'public/models/lm-austen', vq: 'public/models/vq-twemoji32', trainVq: false },
      cfg,
      { name: 'lifecycle', read: readPublicData, shippedCodes: true, log: () => {} },
    );
  }, TIMEOUT_MS);
  afterAll(() => {
    loaded?.lm.dispose();
    loaded?.vq.dispose();
  });

  it(
    'runs to the end: every record kept in the store in order, checkpoints at the last step, the sweep and the report',
    async () => {
      const store = new MemoryStore();
      const exp = start(store, false, { flags: { preset: 'smoke' } });
      await exp.prepare();
      expect(exp.cfg.lrByArm).toEqual((await store.getSweep())!.best);
      await exp.runTo();
      const report = await finishOf(exp);
      exp.dispose();
      whole = { records: [...exp.records], report, store };
      expect(await store.readRecords()).toEqual(exp.records);
      expect(store.finished!.records).toEqual(exp.records);
      expect(store.checkpointSteps()).toEqual({ 'pretrained-s0': 6, 'scratch-s0': 6 });
      expect(await store.getFlags()).toEqual({ preset: 'smoke' });
      // Step 0 first (both runs), then every step of both runs, evaluations at 2 (a power of two before the first
      // evalEvery), 3 and 6.
      const valSteps = exp.records.filter((r) => r.metric === 'val/image_loss').map((r) => `${r.arm}@${r.step}`);
      expect(valSteps).toEqual([
        'pretrained@0',
        'scratch@0',
        'pretrained@2',
        'scratch@2',
        'pretrained@3',
        'scratch@3',
        'pretrained@6',
        'scratch@6',
      ]);
      expect(exp.records.filter((r) => r.metric === 'train/loss').map((r) => r.step)).toEqual([
        1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
      ]);
      // The report's headline is the records' final held-out image losses; the sweep is in its meta.
      const at = (arm: string, step: number) =>
        exp.records.find((r) => r.arm === arm && r.step === step && r.metric === 'val/image_loss')!.value;
      const effects = report.effects as { image_loss: { diff: { mean: number } } };
      expect(effects.image_loss.diff.mean).toBeCloseTo(at('pretrained', 6) - at('scratch', 6), 10);
      expect((report.meta as { sweep: { lrs: number[] } }).sweep.lrs).toEqual(SWEEP.lrs);
      expect(report.arms).toEqual(['pretrained', 'scratch']);
    },
    TIMEOUT_MS,
  );

  it(
    'stopped after preparing, mid-training (steps 1, 2 and 4) and before finishing, resumes to the same records and report',
    async () => {
      const store = new MemoryStore();
      const prepared = start(store, false);
      await prepared.prepare(); // the sweep ran and is kept; no run has stepped
      prepared.dispose();
      expect(await store.readRecords()).toEqual([]);
      for (const stopAt of [1, 2, 4, 6]) {
        const exp = start(store, true);
        await exp.prepare();
        await exp.runTo(stopAt);
        exp.dispose();
        expect(store.checkpointSteps()).toEqual({ 'pretrained-s0': stopAt, 'scratch-s0': stopAt });
      }
      const last = start(store, true);
      await last.prepare();
      expect(last.restored.map((r) => r.step)).toEqual([6, 6]);
      expect(last.active()).toBe(false);
      const report = await finishOf(last);
      last.dispose();
      expect(numbers(last.records)).toEqual(numbers(whole.records));
      expect(numbers((await store.readRecords())!)).toEqual(numbers(whole.records));
      expect(await store.getSweep()).toEqual(await whole.store.getSweep());
      expect(reportNumbers(report)).toEqual(reportNumbers(whole.report));
    },
    TIMEOUT_MS,
  );

  it(
    'a pause that leaves the runs at different steps, and step 0 evaluated after the first round, resume to the same records',
    async () => {
      const store = new MemoryStore();
      const page = { stepZero: 'after-first-round', timedCheckpoints: true } as const;
      const first = start(store, false, page);
      await first.prepare();
      let zero: MetricRecord[] = [];
      await first.round({ onStepZero: async (recs, models) => void ((zero = recs), expect(models.size).toBe(2)) });
      expect(zero.map((r) => r.step)).toEqual(zero.map(() => 0));
      await first.round(); // step 2
      const [pre] = first.runner!.runs;
      await first.round({ take: (run) => run === pre }); // the pause: pretrained at 3, scratch at 2
      await first.checkpoint(pre); // as a timed checkpoint would
      await first.checkpoint(first.runner!.runs[1]);
      first.dispose();
      expect(store.checkpointSteps()).toEqual({ 'pretrained-s0': 3, 'scratch-s0': 2 });
      const second = start(store, true, page);
      await second.prepare();
      expect(second.runner!.runs.map((r) => r.step)).toEqual([3, 2]);
      await second.runTo();
      second.dispose();
      expect(sorted(second.records)).toEqual(sorted(whole.records));
    },
    TIMEOUT_MS,
  );

  it(
    'never checkpoints weights that are not finite: the run stops and keeps its last good checkpoint',
    async () => {
      const store = new MemoryStore();
      const exp = start(store, false, { log: () => {} });
      await exp.prepare();
      await exp.runTo(3);
      const run = exp.runner!.runs[0];
      const w = run.model.params.get('transformer.ln_f.weight')!;
      run.model.assign('transformer.ln_f.weight', new Float32Array(w.size).fill(NaN));
      await exp.checkpoint(run);
      expect(run.stopped).toMatch(/arm pretrained, seed 0: its weights are no longer finite at step 3/);
      expect(store.checkpointSteps()).toEqual({ 'pretrained-s0': 3, 'scratch-s0': 3 });
      const restored = (await store.getCheckpoint('pretrained', 0))!;
      exp.dispose();
      // The kept checkpoint is the step-3 one, whole and finite: it restores into a fresh experiment.
      const again = start(store, true);
      await again.prepare();
      expect(again.restored.map((r) => `${r.arm.name}@${r.step}`)).toEqual(['pretrained@3', 'scratch@3']);
      expect(
        [...again.runner!.runs[0].model.params.get('transformer.ln_f.weight')!.dataSync()].every(Number.isFinite),
      ).toBe(true);
      expect(restored.files.has('optimizer.safetensors')).toBe(true);
      again.dispose();
    },
    TIMEOUT_MS,
  );
  it(
    "resumes a store of hundreds of thousands of records (past the engine's argument limit for a spread)",
    async () => {
      // A finished 10 runs × 1,800 steps keeps ~300k records; restoring them with push(...records) threw "Maximum call
      // stack size exceeded". The whole run's store (checkpoints at step 6) with 300k more records at step 1.
      const many: MetricRecord[] = Array.from({ length: 300_000 }, (_, i) => ({
        arm: 'pretrained',
        seed: 0,
        step: 1,
        tokens: 0,
        metric: 'speed/tokens_per_s',
        value: i,
      }));
      await whole.store.replaceRecords([...whole.records, ...many]);
      const exp = start(whole.store, true);
      await exp.prepare();
      exp.dispose();
      expect(exp.records.length).toBe(whole.records.length + many.length);
      expect(exp.records[exp.records.length - 1]).toEqual(many[many.length - 1]);
    },
    TIMEOUT_MS,
  );
});
