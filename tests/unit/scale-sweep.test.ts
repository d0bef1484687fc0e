// The torch engine's LR sweep (scale/lr_sweep.py) follows replicate's (src/core/experiment/sweep.ts): on made-up loss
// surfaces — optima inside, above and below the first grid, one arm diverging above a wall, one arm never settling —
// the fair protocol and a fixed grid give the same rates tried in the same order, the same table and the same choice
// in Python as in TypeScript. Needs only python3 (no torch); skipped, saying so, where there is none.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ArmName } from '../../src/core/experiment/config';
import { fairSweep, sweepLearningRates, type SweepCell, type SweepProtocol } from '../../src/core/experiment/sweep';

const hasPython = spawnSync('python3', ['--version']).status === 0;

/** Final loss of `arm` at `lr`, seed `seed`: a parabola in log-rate around `opt`, Infinity at or above `wall`. */
interface Surface {
  opt: Partial<Record<ArmName, number>>;
  wall?: number;
}
const loss = (s: Surface, arm: ArmName, lr: number, seed: number) =>
  s.wall !== undefined && lr >= s.wall ? Infinity : 3 + Math.log(lr / s.opt[arm]!) ** 2 + 0.01 * seed;

/** The same surface as Python source (float("inf") for the wall). */
const pySurface = (s: Surface) =>
  `def loss(arm, lr, seed):\n    opt = ${JSON.stringify(s.opt)}\n    if ${s.wall ?? 'None'} is not None and lr >= ${s.wall ?? 0}: return float("inf")\n    return 3 + math.log(lr / opt[arm]) ** 2 + 0.01 * seed\n`;

interface Run {
  calls: { lr: number; arms: string[] }[];
  lrs: number[];
  best: Record<string, number>;
  unresolved?: Record<string, string>;
  table: { arm: string; lr: number; mean: number | string; n: number }[];
}

/** Python's sweep on surface `s`: fair with `protocol`, else the fixed grid `lrs`. */
function python(s: Surface, arms: ArmName[], seeds: number, protocol: SweepProtocol | null, lrs: number[] = []): Run {
  const src = `import json, math, sys
sys.path.insert(0, "scale")
import lr_sweep
${pySurface(s)}
calls = []
def train_at(lr, arms):
    calls.append({"lr": lr, "arms": list(arms)})
    return [{"arm": a, "lr": lr, "seed": k, "valLoss": loss(a, lr, k), "imageLoss": 0.0} for k in range(${seeds}) for a in arms]
p = json.loads(${JSON.stringify(JSON.stringify(protocol))})
arms = ${JSON.stringify(arms)}
r = lr_sweep.fair_sweep(p, train_at, arms, "cosine") if p else lr_sweep.grid_sweep(${JSON.stringify(lrs)}, 10, ${seeds}, "cosine", train_at, arms)
table = [{**t, "mean": t["mean"] if math.isfinite(t["mean"]) else "inf"} for t in r["table"]]
print(json.dumps({"calls": calls, "lrs": r["lrs"], "best": r["best"], "unresolved": r.get("unresolved"), "table": table}))
`;
  const out = spawnSync('python3', ['-c', src], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as Run;
}

/** TypeScript's sweep on the same surface, its table's Infinity written as Python's. */
async function typescript(
  s: Surface,
  arms: ArmName[],
  seeds: number,
  protocol: SweepProtocol | null,
  lrs: number[] = [],
): Promise<Run> {
  const calls: Run['calls'] = [];
  const cells = (lr: number, which: ArmName[]): SweepCell[] => {
    calls.push({ lr, arms: [...which] });
    return [...Array(seeds).keys()].flatMap((seed) =>
      which.map((arm) => ({ arm, lr, seed, valLoss: loss(s, arm, lr, seed) })),
    );
  };
  const r = protocol
    ? await fairSweep(protocol, async (lr, which) => cells(lr, which), arms, 'cosine')
    : await sweepLearningRates(lrs, async (lr) => cells(lr, arms), { steps: 10, seeds, schedule: 'cosine' });
  return {
    calls,
    lrs: r.lrs,
    best: r.best as Record<string, number>,
    unresolved: protocol ? (r.unresolved as Record<string, string>) : undefined,
    table: r.table.map((t) => ({ arm: t.arm, lr: t.lr, mean: Number.isFinite(t.mean) ? t.mean : 'inf', n: t.n })),
  };
}

const fair = (over: Partial<SweepProtocol> = {}): SweepProtocol => ({
  centre: 6e-3,
  ratio: Math.SQRT2,
  points: 6,
  steps: 450,
  seeds: 2,
  maxExtensions: 4,
  ...over,
});

function same(py: Run, ts: Run) {
  expect(py.calls).toEqual(ts.calls);
  expect(py.lrs).toEqual(ts.lrs);
  expect(py.best).toEqual(ts.best);
  if (ts.unresolved) expect(py.unresolved).toEqual(ts.unresolved);
  expect(py.table.map((t) => [t.arm, t.lr, t.n])).toEqual(ts.table.map((t) => [t.arm, t.lr, t.n]));
  py.table.forEach((t, i) => {
    const want = ts.table[i].mean;
    if (typeof want === 'string') expect(t.mean).toBe(want);
    else expect(t.mean as number).toBeCloseTo(want, 12);
  });
}

describe.skipIf(!hasPython)('scale/lr_sweep.py against sweep.ts', () => {
  const cases: [string, Surface, ArmName[]][] = [
    [
      'optima inside and above the first grid',
      { opt: { pretrained: 0.02, scratch: 0.004 } },
      ['pretrained', 'scratch'],
    ],
    ['an optimum below the grid', { opt: { scratch: 0.001 } }, ['scratch']],
    ['a diverging wall above the grid', { opt: { pretrained: 0.02 }, wall: 0.015 }, ['pretrained']],
    [
      'an optimum beyond the extensions, beside a settled arm',
      { opt: { pretrained: 0.5, scratch: 0.006, 'pretrained-shuffled': 0.003 } },
      ['pretrained', 'scratch', 'pretrained-shuffled'],
    ],
  ];
  for (const [name, s, arms] of cases)
    it(`fair: ${name}`, async () => {
      const ts = await typescript(s, arms, 2, fair());
      same(python(s, arms, 2, fair()), ts);
      expect(ts.calls.length).toBeGreaterThanOrEqual(6);
    });

  it('fair with 3 seeds and 2 extensions at most names the unresolved arm as TypeScript does', async () => {
    const s: Surface = { opt: { pretrained: 0.5, scratch: 0.004 } };
    const p = fair({ seeds: 3, maxExtensions: 2 });
    const ts = await typescript(s, ['pretrained', 'scratch'], 3, p);
    expect(ts.unresolved).toEqual({ pretrained: 'high' });
    same(python(s, ['pretrained', 'scratch'], 3, p), ts);
  });

  it('a fixed grid, a diverging rate included', async () => {
    const s: Surface = { opt: { pretrained: 0.01, scratch: 0.003 }, wall: 0.03 };
    const lrs = [2.5e-3, 6e-3, 1.5e-2, 3e-2];
    same(
      python(s, ['pretrained', 'scratch'], 2, null, lrs),
      await typescript(s, ['pretrained', 'scratch'], 2, null, lrs),
    );
  });

  it('refuses a protocol below the minimum, as TypeScript does', () => {
    expect(() => python({ opt: { scratch: 0.004 } }, ['scratch'], 2, fair({ points: 4 }))).toThrow(
      /the fair sweep needs 6 or more rates, got 4/,
    );
    expect(() => python({ opt: { scratch: 0.004 } }, ['scratch'], 1, fair({ seeds: 1 }))).toThrow(
      /the fair sweep needs 2 or more seeds per rate, got 1/,
    );
  });
});
