// deviceDefault: the lesson on a slow device, a bigger preset where the measured speed is fast, each costed by
// etaBefore; the probe's step time turned into trained tokens per second.
import { describe, expect, it } from 'vitest';
import { deviceDefault, probeTokensPerSecond, TARGET_SECONDS } from '../../src/app/device-default';
import { etaBefore, trainedPerSequence } from '../../src/app/eta';
import { PRESETS } from '../../src/core/experiment/config';

const speed = (stepMs: number, rows: number) => probeTokensPerSecond(stepMs, rows);

describe('deviceDefault', () => {
  it('turns a probe step into trained tokens per second of the lesson', () => {
    expect(probeTokensPerSecond(500, 4)).toBeCloseTo((4 * trainedPerSequence(PRESETS.lesson)) / 0.5, 9);
    expect(() => probeTokensPerSecond(NaN, 4)).toThrow(/step time/);
    expect(() => probeTokensPerSecond(100, 0)).toThrow(/rows/);
  });

  it('a CPU-speed step keeps the lesson, says the step time and what the next setup would take', () => {
    const d = deviceDefault(speed(180, 4), 'wasm, timed by the backend probe');
    expect(d.preset).toBe('lesson');
    expect(d.seconds).toBeCloseTo(etaBefore(PRESETS.lesson, speed(180, 4)), 6);
    expect(d.sentence).toMatch(
      /^Chosen for this device: one train step of 16 sequences takes about 720 ms here \(wasm, timed by the backend probe\)/,
    );
    expect(d.sentence).toMatch(/the recorded run's setup would take/);
  });

  it('picks the largest preset that fits the target, checked against etaBefore', () => {
    const picked = new Set<string>();
    for (const stepMs of [0.5, 1, 5, 20, 60, 200]) {
      const d = deviceDefault(speed(stepMs, 4), 'x');
      const eta = (name: string) => etaBefore(PRESETS[name], speed(stepMs, 4));
      const expected = ['replication', 'cpu', 'lesson'].find((n) => eta(n) <= TARGET_SECONDS) ?? 'lesson';
      expect(d.preset).toBe(expected);
      picked.add(d.preset);
    }
    expect(picked.size).toBeGreaterThan(1); // the figures above reach more than the lesson
    expect(deviceDefault(speed(0.05, 4), 'x').sentence).toMatch(/replication is the largest setup/);
  });

  it('a device too slow even for the lesson still gets the lesson, and is told it runs long', () => {
    const d = deviceDefault(speed(5000, 4), 'x');
    expect(d.preset).toBe('lesson');
    expect(d.seconds).toBeGreaterThan(TARGET_SECONDS);
    expect(d.sentence).toMatch(/even the lesson.*longer than 15 min/);
  });

  it('refuses a speed that is not a measurement', () => {
    expect(() => deviceDefault(NaN, 'x')).toThrow(/speed/);
    expect(() => deviceDefault(0, 'x')).toThrow(/speed/);
  });
});
