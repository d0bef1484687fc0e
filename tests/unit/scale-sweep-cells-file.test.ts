// scale/sweep_cells_file.py: a recorded sweep's cells become a sweep-cells.jsonl that a new run of the same setup reads
// back instead of training them — and the sweep then chooses from them as from its own. On the smoke setup: train.py
// sweeps it whole (run 1); the file is made from run 1's sweep.json for pretrained; run 2 reads those cells back,
// trains only scratch's, and ends with run 1's cells and rates. Refusals: another protocol, an arm the sweep lacks.
// Needs torch + transformers (SCALE_PYTHON); skipped, saying so, where there are none (CI).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const PY = process.env.SCALE_PYTHON ?? 'python3';
const torchCheck = spawnSync(PY, ['-c', 'import torch, transformers, accelerate'], { encoding: 'utf8' });
const hasTorch = torchCheck.status === 0;
const dir = mkdtempSync(join(tmpdir(), 'sweep-cells-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A harness limit for three processes on a busy 2-core machine, not an assertion about speed.
const TIMEOUT_MS = 900_000;

type Sweep = { cells: { arm: string; lr: number; seed: number; valLoss: number }[]; best: Record<string, number> };

describe.skipIf(!hasTorch)('scale/sweep_cells_file.py', () => {
  it(
    "hands a recorded sweep's cells to a new run, which reads them back and chooses as the first run did",
    () => {
      const exp = join(dir, 'export');
      const run = (cmd: string, args: string[]) => {
        const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
        expect(r.status, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
        return r.stdout + r.stderr;
      };
      run('npx', [
        'tsx',
        'src/cli/export.ts',
        '--preset',
        'smoke',
        '--lr-sweep',
        'fair',
        '--sweep-seeds',
        '2',
        '--out',
        exp,
      ]);
      const train = (out: string) => run(PY, ['scale/train.py', '--export', exp, '--out', out, '--no-verify']);
      train(join(dir, 'run1'));
      const first = JSON.parse(readFileSync(join(dir, 'run1', 'sweep.json'), 'utf8')) as Sweep;
      const pretrained = first.cells.filter((c) => c.arm === 'pretrained');
      expect(pretrained.length).toBeGreaterThanOrEqual(12); // 6+ rates × 2 seeds

      const file = join(dir, 'run2', 'sweep-cells.jsonl');
      const tool = (...extra: string[]) =>
        spawnSync(
          PY,
          [
            'scale/sweep_cells_file.py',
            '--export',
            exp,
            '--sweep',
            join(dir, 'run1', 'sweep.json'),
            '--out',
            file,
            ...extra,
          ],
          { encoding: 'utf8' },
        );
      const made = tool('--arms', 'pretrained');
      expect(made.status, made.stderr).toBe(0);
      expect(made.stdout).toContain(`${pretrained.length} cell(s) of pretrained`);
      expect(tool('--arms', 'pretrained').stdout).toContain(`0 cell(s) of pretrained`); // none written twice
      const lacking = tool('--arms', 'pretrained-frozen');
      expect(lacking.status).toBe(1);
      expect(lacking.stderr).toContain('sweep.json: no cells of pretrained-frozen');

      const log = train(join(dir, 'run2'));
      expect(log).toContain(`train.py: ${pretrained.length} finished sweep run(s) read back from ${file}`);
      const second = JSON.parse(readFileSync(join(dir, 'run2', 'sweep.json'), 'utf8')) as Sweep;
      const key = (c: Sweep['cells'][number]) => `${c.arm}|${c.lr}|${c.seed}`;
      const byKey = (s: Sweep) => Object.fromEntries(s.cells.map((c) => [key(c), c.valLoss]));
      // The same cells (scratch's trained again, deterministic to float noise) and the same rates.
      expect(Object.keys(byKey(second)).sort()).toEqual(Object.keys(byKey(first)).sort());
      for (const [k, v] of Object.entries(byKey(first))) expect(Math.abs(byKey(second)[k] - v), k).toBeLessThan(1e-4);
      expect(second.best).toEqual(first.best);
    },
    TIMEOUT_MS,
  );
});
