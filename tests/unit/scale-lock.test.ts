// scale/train.py keeps one writer per --out too (issue 24, kind 2): scale/run_lock.py takes the same .run.lock as
// replicate (a live holder refused by name, a dead one taken over with a message, the lock gone at exit), and
// processes launched as a group that accelerate did not join (`accelerate launch --multi_gpu --num_processes 2` on a
// machine without GPUs ran two single-process copies into one --out) are refused before anything is written.
// The lock needs only python3; the launch check needs torch and accelerate (SCALE_PYTHON), else it says so and skips.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, acquireRunLock } from '../../src/cli/run-lock';

const PY =
  process.env.SCALE_PYTHON ??
  (spawnSync('/work/venv/bin/python', ['--version']).status === 0 ? '/work/venv/bin/python' : 'python3');
const hasPython = spawnSync('python3', ['--version']).status === 0;
const torchCheck = spawnSync(PY, ['-c', 'import torch, transformers, accelerate'], { encoding: 'utf8' });
const WHY = `${PY} cannot import torch, transformers and accelerate (${(torchCheck.stderr ?? String(torchCheck.error ?? '')).trim().split('\n').pop()}); set SCALE_PYTHON to a python with scale/requirements.txt`;
const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'scale-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** python3 -c CODE with scale/ importable; returns status, stdout, stderr. */
const py = (code: string, ...args: string[]) =>
  spawnSync('python3', ['-c', `import sys; sys.path.insert(0, 'scale'); import run_lock\n${code}`, ...args], {
    encoding: 'utf8',
  });

describe.skipIf(!hasPython)('scale/run_lock.py', () => {
  it("refuses a folder replicate holds, naming it, and takes over a dead holder's lock with a message", () => {
    const d = fresh();
    const release = acquireRunLock(d, 'npm run replicate -- --out D');
    const r = py('try:\n    run_lock.acquire(sys.argv[1], "train")\nexcept run_lock.RunLocked as e:\n    print(e)', d);
    expect(r.stdout.trim()).toMatch(
      new RegExp(
        `^${d} is in use by another run: pid ${process.pid} on ${os.hostname()}, started .* \\(npm run replicate -- --out D\\); wait for it to finish or give another --out$`,
      ),
    );
    release();
    // A holder that is gone: a pid that has exited.
    const dead = spawnSync('true').pid!;
    writeFileSync(
      join(d, LOCK_FILE),
      JSON.stringify({ pid: dead, host: os.hostname(), startedAt: new Date().toISOString(), command: 'x' }),
    );
    const t = py(
      'run_lock.acquire(sys.argv[1], "train")\nimport json; print(json.load(open(sys.argv[1] + "/.run.lock"))["command"])',
      d,
    );
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(
      new RegExp(`^${d}: taking over the lock of a run that is no longer running \\(pid ${dead} on `),
    );
    expect(t.stdout.trim().split('\n').pop()).toBe('train');
    expect(existsSync(join(d, LOCK_FILE))).toBe(false); // released at exit
  });

  it('is refused by replicate while a train.py holds it', async () => {
    const d = fresh();
    const child = spawn('python3', [
      '-c',
      "import sys, time; sys.path.insert(0, 'scale'); import run_lock; run_lock.acquire(sys.argv[1], 'python scale/train.py'); print('held', flush=True); time.sleep(30)",
      d,
    ]);
    await new Promise<void>((res) => child.stdout.once('data', () => res()));
    try {
      expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(child.pid);
      expect(() => acquireRunLock(d, 'replicate')).toThrow(
        `${d} is in use by another run: pid ${child.pid} on ${os.hostname()}`,
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('names a launch whose processes do not form one group', () => {
    const r = py(
      'print(run_lock.group_problem(1, {"WORLD_SIZE": "2", "RANK": "1"}))\nprint(run_lock.group_problem(2, {"WORLD_SIZE": "2"}))\nprint(run_lock.group_problem(1, {}))',
    );
    const [split, group, single] = r.stdout.trim().split('\n');
    expect(split).toMatch(
      /^this process was launched as rank 1 of 2 \(env WORLD_SIZE=2\), but accelerate formed a group of 1: the 2 processes would each train the whole run alone and write one --out\. Without GPUs, launch a CPU group with ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2/,
    );
    expect([group, single]).toEqual(['None', 'None']);
  });
});

describe.skipIf(torchCheck.status !== 0)(
  `train.py under accelerate launch --multi_gpu on a CPU machine${torchCheck.status !== 0 ? ` — skipped: ${WHY}` : ''}`,
  () => {
    it('refuses in every process before writing --out', () => {
      const d = fresh();
      const out = join(d, 'run');
      const r = spawnSync(
        PY,
        [
          '-m',
          'accelerate.commands.launch',
          '--multi_gpu',
          '--num_processes',
          '2',
          'scale/train.py',
          '--export',
          join(d, 'no-export'),
          '--out',
          out,
        ],
        { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', CUDA_VISIBLE_DEVICES: '' }, timeout: 300_000 },
      );
      expect(r.status).not.toBe(0);
      expect(
        r.stderr.match(
          /train\.py: this process was launched as rank \d of 2 \(env WORLD_SIZE=2\), but accelerate formed a group of 1/g,
        ),
      ).toHaveLength(2);
      expect(existsSync(out)).toBe(false);
    }, 300_000);
  },
);
