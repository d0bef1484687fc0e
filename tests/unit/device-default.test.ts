// deviceDefault: the lesson on a slow device, a bigger preset where the probed step is fast, each costed by etaBefore.
import { describe, expect, it } from 'vitest';
import { deviceDefault, TARGET_SECONDS } from '../../src/app/device-default';
import { etaBefore, trainedPerSequence } from '../../src/app/eta';
import { PRESETS } from '../../src/core/experiment/config';

const speed = (stepMs: number, rows: number) => (rows * trainedPerSequence(PRESETS.lesson)) / (stepMs / 1000);

describe('deviceDefault', () => {
  it('a CPU-speed step keeps the lesson and says how long it takes', () => {
    const d = deviceDefault(180, 4);
    expect(d.preset).toBe('lesson');
    expect(d.seconds).toBeCloseTo(etaBefore(PRESETS.lesson, speed(180, 4)), 6);
    expect(d.sentence).toMatch(
      /^Lesson preset: one train step of 16 takes about 720 ms here, so its 6 runs of 120 steps/,
    );
  });

  it('picks the largest preset that fits the target, checked against etaBefore', () => {
    for (const stepMs of [1, 5, 20, 60, 200]) {
      const d = deviceDefault(stepMs, 4);
      const eta = (name: string) => etaBefore(PRESETS[name], speed(stepMs, 4));
      const expected = ['replication', 'cpu', 'lesson'].find((n) => eta(n) <= TARGET_SECONDS) ?? 'lesson';
      expect(d.preset).toBe(expected);
    }
    expect(deviceDefault(0.5, 4).preset).toBe('replication');
  });

  it('a device too slow even for the lesson still gets the lesson, and is told it runs long', () => {
    const d = deviceDefault(5000, 4);
    expect(d.preset).toBe('lesson');
    expect(d.seconds).toBeGreaterThan(TARGET_SECONDS);
    expect(d.sentence).toMatch(/longer than 15 min/);
  });

  it('refuses a step time or row count that is not a measurement', () => {
    expect(() => deviceDefault(NaN, 4)).toThrow(/step time/);
    expect(() => deviceDefault(100, 0)).toThrow(/rows/);
  });
});
