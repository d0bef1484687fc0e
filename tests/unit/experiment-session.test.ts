// The worker's experiment session (src/worker/experiment-session.ts) driven in Node on the smoke setup, as the
// trainer worker drives it, with a fake post() collecting its events: the shipped LM, VQ tokenizer and emoji read
// from public/ (browser-io's fetch and image decoding swapped for the CLI's disk reads and Node decoder, nothing else),
// IndexedDB from fake-indexeddb, tfjs on wasm. A start runs to the report with the phases in order and every metric
// posted and saved; a Cancel while preparing, and a Cancel that lands while the preparation's last stage runs (after
// its last cancel check: the race fixed in 4c1b174), leave the session idle with nothing trained.
import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import { Experiment } from '../../src/core/experiment/lifecycle';
import type { MetricRecord } from '../../src/core/experiment/runner';
import { loadMetrics } from '../../src/browser/persist';
import { ExperimentSession } from '../../src/worker/experiment-session';
import type { RunPhase, WorkerCommand, WorkerEvent } from '../../src/worker/protocol';
import { tf, useBackend } from './helpers/tf';

vi.mock('../../src/worker/browser-io', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/worker/browser-io')>();
  const { readPublicData } = await import('../../src/cli/data/public-data');
  const { decodeImageNode } = await import('../../src/cli/image-decode');
  return {
    ...original,
    readPublicData,
    decodeImageBrowser: decodeImageNode,
    shippedModel: (dir: string) => ({
      label: `models/${dir}`,
      read: async (f: string) => {
        try {
          return new Uint8Array(await readFile(join('public/models', dir, f)));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw e;
        }
      },
    }),
    // The report's sample images: OffscreenCanvas is the browser's; what is tested here is the session.
    pngDataUrlBrowser: async () => 'data:,',
  };
});

// Preparing and training the smoke setup on a busy 2-core machine can pass the suite's default limit: a harness
// limit, not an assertion about speed.
const TIMEOUT_MS = 400_000;
type Start = Extract<WorkerCommand, { type: 'start' }>;
let nextRun = 0;

function startCommand(): Start {
  return {
    type: 'start',
    id: 1,
    runId: `session-test-${nextRun++}`,
    config: { ...PRESETS.smoke },
    dataset: { kind: 'emoji', style: 'twemoji' },
    lm: { kind: 'shipped' },
    paused: false,
    resume: false,
    logEvery: 1,
  };
}

/** A session whose events are kept, with a promise of the first status in one of `phases`. */
function session() {
  const events: WorkerEvent[] = [];
  const waiters: { phases: RunPhase[]; resolve: () => void }[] = [];
  const s = new ExperimentSession((e) => {
    events.push(e);
    if (e.type !== 'status') return;
    for (const w of waiters.filter((w) => w.phases.includes(e.status.phase))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const phaseReached = (...phases: RunPhase[]) => new Promise<void>((resolve) => waiters.push({ phases, resolve }));
  const statuses = () => events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
  /** The phases in the order they were posted, repeats collapsed. */
  const phases = () =>
    statuses().reduce<RunPhase[]>((out, st) => (out.at(-1) === st.phase ? out : [...out, st.phase]), []);
  const of = <T extends WorkerEvent['type']>(type: T) =>
    events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  return { s, events, phaseReached, statuses, phases, of };
}

describe('ExperimentSession (smoke, Node, fake IndexedDB)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  }, TIMEOUT_MS);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(
    'a start runs to the report: phases in order, every metric posted once and saved in IndexedDB, checkpoints, the report, nothing left allocated',
    async () => {
      const t = session();
      const before = tf.memory().numTensors;
      const cmd = startCommand();
      const ended = t.phaseReached('done', 'failed');
      await t.s.start(cmd);
      await ended;
      expect(t.of('error')).toEqual([]);
      expect(t.phases()).toEqual(['preparing', 'running', 'finishing', 'done']);

      const posted: MetricRecord[] = t.of('metrics').flatMap((e) => e.records);
      const runs = [...new Set(posted.map((r) => `${r.arm}/${r.seed}`))].sort();
      expect(runs.length).toBeGreaterThanOrEqual(2);
      for (const run of runs) {
        const steps = posted
          .filter((r) => `${r.arm}/${r.seed}` === run && r.metric === 'train/loss')
          .map((r) => r.step);
        expect(steps, run).toEqual([1, 2, 3, 4, 5, 6]);
        // The step-0 evaluation comes after the first round, on the untrained snapshots: logged as step 0.
        expect(
          posted.some((r) => `${r.arm}/${r.seed}` === run && r.metric.startsWith('val/') && r.step === 0),
          run,
        ).toBe(true);
      }
      // checkpointEvery 3 of 6 steps: every run is checkpointed at steps 3 and 6, and the page hears of each once saved.
      const ckpts = t
        .of('checkpoint')
        .map((e) => `${e.arm}/${e.seed}@${e.step}`)
        .sort();
      expect(ckpts).toEqual(runs.flatMap((r) => [`${r}@3`, `${r}@6`]).sort());
      const finished = t.of('finished');
      expect(finished).toHaveLength(1);
      expect(finished[0].finished.html).toContain('<html');

      // A reset waits for the queued writes, then frees the experiment: what was posted is what IndexedDB holds.
      await t.s.reset();
      expect(t.statuses().at(-1)!.phase).toBe('idle');
      expect(await loadMetrics(cmd.runId)).toEqual(posted);
      expect(tf.memory().numTensors).toBe(before);
    },
    TIMEOUT_MS,
  );

  it(
    'Cancel while preparing: the start ends idle and nothing trains',
    async () => {
      const t = session();
      const round = vi.spyOn(Experiment.prototype, 'round');
      const preparing = t.phaseReached('preparing');
      const started = t.s.start(startCommand());
      await preparing;
      await Promise.all([t.s.reset(), started]);
      expect(round).not.toHaveBeenCalled();
      expect(t.phases()).toEqual(['preparing', 'idle']);
      expect(t.of('metrics')).toEqual([]);
      expect(t.of('error')).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'Cancel that lands while the last stage runs, after its last cancel check, does not let the start go on to play (4c1b174)',
    async () => {
      const t = session();
      const round = vi.spyOn(Experiment.prototype, 'round');
      const prepare = Experiment.prototype.prepare;
      let reset: Promise<void> | null = null;
      // The lifecycle's preparation is the session's last stage: every cancel check has passed when it returns.
      vi.spyOn(Experiment.prototype, 'prepare').mockImplementationOnce(async function (this: Experiment) {
        await prepare.call(this);
        reset = t.s.reset();
      });
      await t.s.start(startCommand());
      expect(reset).not.toBeNull();
      await reset;
      // Let anything the start might have set going (a play's loop) reach the lock and run.
      await new Promise((r) => setTimeout(r, 0));
      await t.s.reset();
      expect(round).not.toHaveBeenCalled();
      expect(t.statuses().some((st) => st.phase === 'running')).toBe(false);
      expect(t.phases()).toEqual(['preparing', 'idle']);
      expect(t.of('metrics')).toEqual([]);
      expect(t.of('error')).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
