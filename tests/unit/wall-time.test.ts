// A run folder's wall time over its sessions (src/cli/wall-time.ts): sums by hand, the file written and read back, a
// fresh start forgetting it, a damaged file counted as none with a warning naming it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NO_WALL_TIME,
  WALL_TIME_FILE,
  addSession,
  endSession,
  priorWallTime,
  saveWallTime,
} from '../../src/cli/wall-time';

describe('wall time over sessions', () => {
  it('adds sessions: seconds, each phase, the count (to 0.01 s; negative amounts as 0)', () => {
    const one = addSession(NO_WALL_TIME, 100.004, { preparation: 10.5, train: 80.25 });
    expect(one).toEqual({ sessions: 1, seconds: 100, phases: { preparation: 10.5, train: 80.25 } });
    const two = addSession(one, 50.5, { train: 40.125, samples: 3, evaluation: -1 });
    // 80.25 + 40.125 = 120.375 → 120.38; the negative evaluation counts 0.
    expect(two).toEqual({
      sessions: 2,
      seconds: 150.5,
      phases: { preparation: 10.5, train: 120.38, samples: 3, evaluation: 0 },
    });
  });

  it('keeps the file across --resume, forgets it on a fresh start, and the finish writes the total into meta', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wall-'));
    const warn: string[] = [];
    saveWallTime(dir, addSession(NO_WALL_TIME, 600, { sweep: 500, train: 90 }));
    const prior = priorWallTime(dir, true, (s) => warn.push(s));
    expect(prior).toEqual({ sessions: 1, seconds: 600, phases: { sweep: 500, train: 90 } });
    const meta = endSession(dir, prior, 59.6, { train: 30, report: 1 });
    expect(meta).toEqual({ sessions: 2, seconds: 660, phases: { sweep: 500, train: 120, report: 1 } });
    expect(JSON.parse(readFileSync(join(dir, WALL_TIME_FILE), 'utf8'))).toMatchObject({
      sessions: 2,
      seconds: 659.6,
    });
    expect(priorWallTime(dir, false, (s) => warn.push(s))).toEqual(NO_WALL_TIME);
    expect(existsSync(join(dir, WALL_TIME_FILE))).toBe(false);
    expect(warn).toEqual([]);
    // Resuming a folder that trained before the file existed (or whose sessions were all killed): said, counted as none.
    mkdirSync(join(dir, 'checkpoints'));
    expect(priorWallTime(dir, true, (s) => warn.push(s))).toEqual(NO_WALL_TIME);
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatch(/wall-time\.json: absent, so the earlier sessions of this run were not timed/);
  });

  it('counts a damaged or foreign file as none and says which file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wall-'));
    for (const text of ['{"format": "tabula-rasa-wall-time", "sessions": 1, "seconds": -3, "phases": {}}', '{', '[]']) {
      writeFileSync(join(dir, WALL_TIME_FILE), text);
      const warn: string[] = [];
      expect(priorWallTime(dir, true, (s) => warn.push(s))).toEqual(NO_WALL_TIME);
      expect(warn).toHaveLength(1);
      expect(warn[0]).toContain(join(dir, WALL_TIME_FILE));
      expect(warn[0]).toMatch(/counts this session's only$/);
    }
  });
});
