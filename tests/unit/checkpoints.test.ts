// When the page checkpoints its runs: every run the runner asks for, plus at most one timed checkpoint per round —
// the stalest run, once older than the interval and moved since — and an interval that grows when saving is slow,
// so that a loaded machine spends at most about a tenth of its time saving (hand-worked cases).
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_MAX_SECONDS,
  CHECKPOINT_SECONDS,
  CHECKPOINT_SHARE,
  checkpointsDue,
  timedCheckpointMs,
} from '../../src/core/experiment/checkpoints';

const run = (key: string, step: number, extra: { stopped?: boolean; due?: boolean } = {}) => ({
  key,
  step,
  stopped: false,
  due: false,
  ...extra,
});

describe('checkpoint schedule', () => {
  it('the interval is CHECKPOINT_SECONDS unless the runs’ saves would take more than CHECKPOINT_SHARE of it, never over the cap', () => {
    expect(CHECKPOINT_SHARE).toBe(0.1);
    expect(timedCheckpointMs(6, 0)).toBe(CHECKPOINT_SECONDS * 1000);
    expect(timedCheckpointMs(6, 500)).toBe(CHECKPOINT_SECONDS * 1000); // 6 × 0.5 s = 3 s of 45 s
    expect(timedCheckpointMs(6, 1200)).toBeCloseTo(72_000, 6); // 6 × 1.2 s = 7.2 s → 72 s keeps it to a tenth
    expect(CHECKPOINT_MAX_SECONDS).toBe(90);
    expect(timedCheckpointMs(6, 6100)).toBe(90_000); // a 6 s save would ask 366 s: a reload may lose at most 90 s
  });

  it('saves every due run and one stale run per round, the stalest first, never a stopped or unmoved one', () => {
    const last = new Map([
      ['a', { step: 10, at: 0 }],
      ['b', { step: 10, at: 5_000 }],
      ['c', { step: 10, at: 1_000 }],
      ['d', { step: 12, at: 0 }],
      ['e', { step: 10, at: 0 }],
    ]);
    const runs = [run('a', 14), run('b', 14), run('c', 14), run('d', 12), run('e', 14, { stopped: true })];
    // At 50 s with a 45 s interval: a (0 s), c (1 s) and b (5 s) are stale; d has not moved; e is stopped → a alone.
    expect(checkpointsDue(runs, last, 50_000, 45_000)).toEqual(['a']);
    // Once a is saved, the next round takes c, then b.
    last.set('a', { step: 14, at: 50_000 });
    expect(checkpointsDue(runs, last, 51_000, 45_000)).toEqual(['c']);
    last.set('c', { step: 14, at: 51_000 });
    expect(checkpointsDue(runs, last, 52_000, 45_000)).toEqual(['b']);
    last.set('b', { step: 14, at: 52_000 });
    expect(checkpointsDue(runs, last, 53_000, 45_000)).toEqual([]);
    // Runs the runner asked for (by step) are all saved, in order, with the stalest timed one beside them.
    const due = [run('a', 15, { due: true }), run('b', 15), run('c', 15, { due: true }), run('d', 13)];
    expect(checkpointsDue(due, last, 60_000, 5_000)).toEqual(['a', 'c', 'd']);
    // With a 45 s interval at 60 s only d (saved at 0 s) is old enough; a, b and c (50–52 s) are not.
    expect(
      checkpointsDue(
        due.map((r) => ({ ...r, due: false })),
        last,
        60_000,
        45_000,
      ),
    ).toEqual(['d']);
    expect(
      checkpointsDue(
        due.map((r) => ({ ...r, due: false })),
        last,
        40_000,
        45_000,
      ),
    ).toEqual([]);
    // A run never checkpointed is saved at once.
    expect(checkpointsDue([run('new', 1)], last, 0, 45_000)).toEqual(['new']);
  });
});
