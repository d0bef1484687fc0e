// scale/records.py's metrics.csv writer and what a resumed train.py keeps (standard library only, so python3 runs it
// in CI): the header reaches the disk as the writer is made — a torch run killed during its LR sweep, before any
// record, used to leave an empty metrics.csv that its --resume then refused ("header is (empty)") — and an empty or
// absent file holds no records to keep, while a damaged one is still refused, naming the file.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PY =
  process.env.SCALE_PYTHON ??
  (spawnSync('/work/venv/bin/python', ['--version']).status === 0 ? '/work/venv/bin/python' : 'python3');
const ok = spawnSync(PY, ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'scale-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function py(code: string, ...args: string[]) {
  return spawnSync(PY, ['-c', `import sys, json; sys.path.insert(0, 'scale'); import records as R\n${code}`, ...args], {
    encoding: 'utf8',
  });
}

describe.skipIf(!ok)('scale/records.py', () => {
  it('writes the header to disk as soon as the writer is made (before any record, with no flush or close)', () => {
    const path = join(dir, 'early.csv');
    // os._exit: the process ends as a kill ends it, without Python flushing its open files.
    const r = py('w = R.MetricsWriter(sys.argv[1]); import os; os._exit(0)', path);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('arm,seed,step,tokens,metric,value,wall_time\n');
  });

  it('keeps no records from an absent or empty file, the rows of a whole one, and refuses a damaged one by name', () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    const whole = join(dir, 'whole.csv');
    writeFileSync(whole, 'arm,seed,step,tokens,metric,value\npretrained,0,3,48,train/loss,2.5\n');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'not,a,header\n');
    const kept = (path: string) => py('print(json.dumps(R.read_kept(sys.argv[1])))', path);
    expect(JSON.parse(kept(join(dir, 'absent.csv')).stdout)).toEqual([]);
    expect(JSON.parse(kept(empty).stdout)).toEqual([]);
    expect(JSON.parse(kept(whole).stdout)).toEqual([
      { arm: 'pretrained', seed: 0, step: 3, tokens: 48, metric: 'train/loss', value: 2.5 },
    ]);
    const refused = kept(bad);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`${bad}: header is not,a,header, expected arm,seed,step,tokens,metric,value`);
  });
});
