/**
 * Deterministic crash points, for the crash-consistency test (tests/unit/crash-consistency.test.ts): every write a
 * run folder makes (durable.ts, run-folder.ts) passes `killPoint(label)`. With the environment variable
 * TABULA_KILL_AT set to `label#n` (or to `n`), the process kills itself with SIGKILL at the n-th point of that label
 * (or of any label), after `torn()` has written part of what was being written, as a kill in the middle of a write
 * would; with TABULA_KILL_TRACE=FILE each point's label is appended to FILE, one a line. Both unset (always, outside
 * the test), a point costs two comparisons.
 */
import { appendFileSync } from 'node:fs';

const spec = process.env.TABULA_KILL_AT ?? '';
const trace = process.env.TABULA_KILL_TRACE ?? '';
const parsed = /^(?:([\w:.-]+)#)?([1-9]\d*)$/.exec(spec);
const target = parsed ? { label: parsed[1] ?? null, n: Number(parsed[2]) } : null;
let seen = 0;

/**
 * A place where a kill would leave the run folder as it is now. `label` names the place (e.g. `checkpoint:file`);
 * `torn` writes the first part of what is being written when the kill should land inside a write.
 * Throws for a TABULA_KILL_AT that is neither `n` nor `label#n` (so a typo in a test cannot pass as "no kill").
 */
export function killPoint(label: string, torn?: () => void): void {
  if (!spec && !trace) return;
  if (trace) appendFileSync(trace, `${label}\n`);
  if (spec && !target) throw new Error(`TABULA_KILL_AT=${JSON.stringify(spec)}: expected n or label#n (n ≥ 1)`);
  if (!target || (target.label !== null && target.label !== label) || ++seen !== target.n) return;
  torn?.();
  process.kill(process.pid, 'SIGKILL');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // the signal lands before anything else runs
}
