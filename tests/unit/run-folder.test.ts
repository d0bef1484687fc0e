// The CLI's ExperimentStore writes the run-folder layout replicate has always written (so existing folders resume):
// checkpoints/<arm>-s<seed>/ replaced as a whole (an interrupted swap read back from <dir>.old, with a note),
// checkpoints/experiment.json, metrics.partial.jsonl (appended, one record a line; none yet: null), sweep.json.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricRecord } from '../../src/core/experiment/runner';
import type { SweepResult } from '../../src/core/experiment/sweep';
import { RunFolder } from '../../src/cli/run-folder';

const dir = mkdtempSync(join(tmpdir(), 'run-folder-'));
const enc = new TextEncoder();
const rec = (step: number, value: number): MetricRecord => ({
  arm: 'pretrained',
  seed: 0,
  step,
  tokens: 10 * step,
  metric: 'train/loss',
  value,
});

describe('RunFolder', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps records in metrics.partial.jsonl: none before the log starts, appended in order, NaN read back as NaN', async () => {
    const store = new RunFolder(join(dir, 'a'));
    expect(await store.readRecords()).toBeNull();
    await store.replaceRecords([]);
    expect(readFileSync(join(dir, 'a', 'metrics.partial.jsonl'), 'utf8')).toBe('');
    expect(await store.readRecords()).toEqual([]);
    await store.appendRecords([rec(1, 2.5), rec(2, 2.25)]);
    await store.appendRecords([rec(3, NaN)]);
    const lines = readFileSync(join(dir, 'a', 'metrics.partial.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).step)).toEqual([1, 2, 3]);
    const back = (await store.readRecords())!;
    expect(back.slice(0, 2)).toEqual([rec(1, 2.5), rec(2, 2.25)]);
    expect(back[2].value).toBeNaN();
    await store.replaceRecords([rec(1, 2.5)]);
    expect(await store.readRecords()).toEqual([rec(1, 2.5)]);
  });

  it('replaces a checkpoint folder whole, and reads an interrupted swap back from <dir>.old with a note', async () => {
    const store = new RunFolder(join(dir, 'b'));
    expect(await store.getCheckpoint('scratch', 1)).toBeNull();
    expect(
      await store.putCheckpoint(
        'scratch',
        1,
        3,
        new Map([
          ['run.json', enc.encode('3')],
          ['x', enc.encode('old')],
        ]),
      ),
    ).toBe(true);
    await store.putCheckpoint('scratch', 1, 6, new Map([['run.json', enc.encode('6')]]));
    const ck = join(dir, 'b', 'checkpoints', 'scratch-s1');
    expect(readdirSync(ck)).toEqual(['run.json']);
    const got = (await store.getCheckpoint('scratch', 1))!;
    expect(new TextDecoder().decode(got.files.get('run.json'))).toBe('6');
    expect(got).toMatchObject({ label: ck, note: null });
    renameSync(ck, `${ck}.old`); // a kill between replaceDirAtomic's two renames
    const old = (await store.getCheckpoint('scratch', 1))!;
    expect(old.label).toBe(`${ck}.old`);
    expect(old.note).toMatch(/previous save/);
  });

  it('writes the flags to checkpoints/experiment.json and the sweep to sweep.json, and reads them back', async () => {
    const store = new RunFolder(join(dir, 'c'));
    expect(await store.getFlags()).toBeNull();
    expect(await store.getSweep()).toBeNull();
    await store.putFlags({ preset: 'smoke', seeds: 1, dataset: null, 'train-vq': false });
    expect(JSON.parse(readFileSync(join(dir, 'c', 'checkpoints', 'experiment.json'), 'utf8'))).toEqual({
      preset: 'smoke',
      seeds: 1,
      dataset: null,
      'train-vq': false,
    });
    expect(await store.getFlags()).toEqual({ preset: 'smoke', seeds: 1, dataset: null, 'train-vq': false });
    const sweep: SweepResult = {
      lrs: [1e-3, 3e-3],
      steps: 2,
      seeds: 1,
      schedule: 'cosine',
      cells: [],
      table: [],
      best: { pretrained: 3e-3 },
    };
    await store.putSweep(sweep);
    expect(existsSync(join(dir, 'c', 'sweep.json'))).toBe(true);
    expect(await store.getSweep()).toEqual(sweep);
  });
  it("deletes a killed writer's temporary file when opened, also one whose process is an unreaped zombie", async () => {
    // A writer killed with its process group (kill -9 -PGID, as fault-kill-mid-save does) whose parent never reaps it
    // stays a zombie; it writes nothing more, so its temporary file is as dead as that of a reaped one.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = Number(await new Promise<string>((r) => parent.stdout.once('data', (b) => r(String(b)))));
    const live = spawn('sleep', ['30']);
    await new Promise((r) => live.once('spawn', r));
    const stat = () => {
      try {
        return readFileSync(`/proc/${zombie}/stat`, 'utf8');
      } catch {
        return '';
      }
    };
    try {
      for (let i = 0; i < 3000 && !/\) Z /.test(stat()); i++) await new Promise((r) => setTimeout(r, 10));
      if (!existsSync('/proc/self/stat')) return; // no /proc: zombies cannot be told apart here
      expect(stat()).toMatch(/\) Z /);
      const d = join(dir, 'd');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'metrics.partial.jsonl'), '');
      writeFileSync(join(d, `.metrics.partial.jsonl.tmp-${zombie}`), '{"arm":');
      writeFileSync(join(d, `.sweep.json.tmp-${live.pid}`), '{'); // a live process's: not ours to delete
      new RunFolder(d);
      expect(readdirSync(d).sort()).toEqual([`.sweep.json.tmp-${live.pid}`, 'metrics.partial.jsonl']);
    } finally {
      parent.kill('SIGKILL');
      live.kill('SIGKILL');
    }
  });
});
