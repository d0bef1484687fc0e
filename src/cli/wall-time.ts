// A run folder's wall time over all its sessions. A long replicate run is split (`--stop-at`, then `--resume`, maybe
// in another week): each session that ends — stopped as asked, or finished — adds its seconds and its phases
// (phases.ts) to DIR/wall-time.json, and the finished report says the total (`meta.seconds`, `meta.phases`) and the
// number of sessions (`meta.sessions`), so `npm run compare` and public/runs/README.md read the run's whole cost, not
// its last session's. A session killed before its end adds nothing (this process never learns its time); a start
// without --resume begins the file again.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './durable';

export const WALL_TIME_FILE = 'wall-time.json';
const FORMAT = 'tabula-rasa-wall-time';

/** Seconds of wall time by the sessions that ended so far: their count, their sum and their sum per phase. */
export interface WallTime {
  sessions: number;
  seconds: number;
  phases: Record<string, number>;
}

export const NO_WALL_TIME: WallTime = { sessions: 0, seconds: 0, phases: {} };

/**
 * The time DIR's earlier sessions spent: DIR/wall-time.json with `resume`; without it the file is removed (a fresh
 * run) and the time is none. A file that cannot be read counts as none, and `warn` says so with the file's name (the
 * run goes on: its report then understates the time, and says how many sessions it counted); so does a missing file
 * in a folder that has trained before (checkpoints/ or sweep-cells.jsonl).
 */
export function priorWallTime(dir: string, resume: boolean, warn: (s: string) => void): WallTime {
  const file = join(dir, WALL_TIME_FILE);
  if (!resume) {
    rmSync(file, { force: true });
    return NO_WALL_TIME;
  }
  if (!existsSync(file)) {
    // Resuming a folder that has trained before, without the file: those sessions' time is not known here.
    if (existsSync(join(dir, 'checkpoints')) || existsSync(join(dir, 'sweep-cells.jsonl')))
      warn(
        `${file}: absent, so the earlier sessions of this run were not timed (made before replicate kept this file, or ended by a kill); the report counts this session's time and later ones only`,
      );
    return NO_WALL_TIME;
  }
  try {
    const w = JSON.parse(readFileSync(file, 'utf8')) as Partial<WallTime> & { format?: string };
    const ok =
      w.format === FORMAT &&
      Number.isInteger(w.sessions) &&
      (w.sessions ?? -1) >= 0 &&
      Number.isFinite(w.seconds) &&
      (w.seconds ?? -1) >= 0 &&
      typeof w.phases === 'object' &&
      w.phases !== null &&
      Object.values(w.phases).every((v) => Number.isFinite(v) && v >= 0);
    if (!ok) throw new Error(`not a ${FORMAT} file`);
    return { sessions: w.sessions!, seconds: w.seconds!, phases: { ...w.phases! } };
  } catch (e) {
    warn(
      `${file}: cannot read the earlier sessions' wall time (${(e as Error).message.split('\n')[0]}); the report counts this session's only`,
    );
    return NO_WALL_TIME;
  }
}

/** `prior` with one more session of `seconds` and `phases` (seconds per phase) added; amounts kept to 0.01 s. */
export function addSession(prior: WallTime, seconds: number, phases: Record<string, number>): WallTime {
  const round = (x: number) => Math.round(x * 100) / 100;
  const sum: Record<string, number> = { ...prior.phases };
  for (const [k, v] of Object.entries(phases)) sum[k] = round((sum[k] ?? 0) + Math.max(0, v));
  return { sessions: prior.sessions + 1, seconds: round(prior.seconds + Math.max(0, seconds)), phases: sum };
}

/** Write `w` as DIR/wall-time.json (atomically: a kill leaves the old file or the new one). */
export function saveWallTime(dir: string, w: WallTime): void {
  writeFileAtomic(join(dir, WALL_TIME_FILE), JSON.stringify({ format: FORMAT, ...w }, null, 2) + '\n');
}

/**
 * End a session (stopped as asked, or finished): `prior` plus this session's `seconds` and `phases`, written to
 * DIR/wall-time.json, and returned as the report's meta fields — `seconds` (whole seconds, as finish.ts writes them)
 * and `phases` over every session, and `sessions`.
 */
export function endSession(
  dir: string,
  prior: WallTime,
  seconds: number,
  phases: Record<string, number>,
): { seconds: number; phases: Record<string, number>; sessions: number } {
  const total = addSession(prior, seconds, phases);
  saveWallTime(dir, total);
  return { seconds: Math.round(total.seconds), phases: total.phases, sessions: total.sessions };
}
