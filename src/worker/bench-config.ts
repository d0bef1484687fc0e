// The benchmark page's query (?layers=4&embd=128 …) as a bench config: each field an integer, the rest the defaults.
import { DEFAULT_BENCH, type BenchConfig } from '../core/bench';

/** A bench config from the query: each field an integer (≥ 1, the seed ≥ 0), the rest from DEFAULT_BENCH. Throws naming the field. */
export function benchConfigFromQuery(q: URLSearchParams): BenchConfig {
  const c = { ...DEFAULT_BENCH };
  for (const key of Object.keys(DEFAULT_BENCH) as (keyof BenchConfig)[]) {
    const raw = q.get(key);
    if (raw === null) continue;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < (key === 'seed' ? 0 : 1))
      throw new Error(`${key} must be an integer ≥ ${key === 'seed' ? 0 : 1}, got ${raw}`);
    c[key] = v;
  }
  if (c.embd % c.heads !== 0) throw new Error(`embd (${c.embd}) must be divisible by heads (${c.heads})`);
  return c;
}
