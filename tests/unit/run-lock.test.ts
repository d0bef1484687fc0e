// One writer per run folder (issue 24, kind 2): replicate's --out lock names a live holder and refuses; a lock whose
// process is gone (or whose pid now belongs to a later process) is taken over with a message; the lock goes when the
// process exits; a folder that cannot be written and a full disk are said with the folder and what to do.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, RunLocked, acquireRunLock, diskErrorMessage } from '../../src/cli/run-lock';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'run-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** /proc/<pid>/stat, or '' once the process is gone. */
const readStat = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
};
const holder = (pid: number, startedAt = new Date().toISOString(), host = os.hostname()) =>
  JSON.stringify({ pid, host, startedAt, command: 'npm run replicate -- --out X' });

describe('the run lock (kind 2)', () => {
  it('is taken with pid, host and start time, and released', () => {
    const d = fresh();
    const release = acquireRunLock(join(d, 'out'), 'test');
    const h = JSON.parse(readFileSync(join(d, 'out', LOCK_FILE), 'utf8'));
    expect([h.pid, h.host, h.command]).toEqual([process.pid, os.hostname(), 'test']);
    expect(Math.abs(Date.parse(h.startedAt) - Date.now())).toBeLessThan(60_000);
    release();
    expect(existsSync(join(d, 'out', LOCK_FILE))).toBe(false);
  });

  it('refuses a second writer while the holder lives, naming it; takes over once it is gone, saying so', async () => {
    const d = fresh();
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    writeFileSync(join(d, LOCK_FILE), holder(child.pid!));
    expect(() => acquireRunLock(d, 'second')).toThrow(RunLocked);
    expect(() => acquireRunLock(d, 'second')).toThrow(
      new RegExp(
        `^${d} is in use by another run: pid ${child.pid} on ${os.hostname()}, started .* \\(npm run replicate -- --out X\\); wait for it to finish or give another --out$`,
      ),
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const said: string[] = [];
    acquireRunLock(d, 'second', (s) => said.push(s))();
    expect(said).toEqual([
      expect.stringMatching(
        new RegExp(`^${d}: taking over the lock of a run that is no longer running \\(pid ${child.pid} on `),
      ),
    ]);
  });

  it("treats a live pid that started after the lock was taken as a reused pid (stale), and another host's lock as held", () => {
    const d = fresh();
    writeFileSync(join(d, LOCK_FILE), holder(process.ppid, '2000-01-01T00:00:00.000Z'));
    const said: string[] = [];
    acquireRunLock(d, 'x', (s) => said.push(s))();
    if (existsSync('/proc/self/stat')) expect(said).toHaveLength(1);
    writeFileSync(join(d, LOCK_FILE), holder(1, new Date().toISOString(), 'another-machine'));
    expect(() => acquireRunLock(d, 'x')).toThrow(`(if that process is gone, delete ${join(d, LOCK_FILE)})`);
  });

  it('treats a killed holder its parent has not reaped yet (a zombie) as gone', async () => {
    const d = fresh();
    // sh starts a short sleep in the background and becomes a long one, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', (b) => r(String(b)))));
    try {
      for (let i = 0; i < 3000 && !/\) Z /.test(readStat(pid)); i++) await new Promise((r) => setTimeout(r, 10));
      if (!existsSync('/proc/self/stat')) return;
      expect(readStat(pid)).toMatch(/\) Z /);
      writeFileSync(join(d, LOCK_FILE), holder(pid)); // taken after the process started: not a reused pid
      const said: string[] = [];
      acquireRunLock(d, 'resume', (s) => said.push(s))();
      expect(said).toEqual([
        expect.stringMatching(new RegExp(`taking over the lock of a run that is no longer running \\(pid ${pid} on `)),
      ]);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('is taken by npm run export too: refused while a run holds --out, naming it, before any preparation', async () => {
    const d = fresh();
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    try {
      writeFileSync(join(d, LOCK_FILE), holder(child.pid!));
      const r = spawnSync('node', ['--import', 'tsx', 'src/cli/export.ts', '--preset', 'smoke', '--out', d], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^export: ${d} is in use by another run: pid ${child.pid} on .*\\(npm run replicate -- --out X\\); wait for it to finish or give another --out\n$`,
        ),
      );
      expect(r.stdout).not.toMatch(/export: .*(codes|files)/);
      expect(existsSync(join(d, 'meta.json'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('is taken by npm run report too: refused while a run holds DIR, naming it, with report.json untouched', async () => {
    const d = fresh();
    writeFileSync(join(d, 'metrics.csv'), 'arm,seed,step,tokens,metric,value\n');
    writeFileSync(join(d, 'report.json'), '{"written":"by the running replicate"}\n');
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    try {
      writeFileSync(join(d, LOCK_FILE), holder(child.pid!));
      const r = spawnSync('node', ['--import', 'tsx', 'src/cli/report.ts', d], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^report: ${d} is in use by another run: pid ${child.pid} on .*, started .*\\(npm run replicate -- --out X\\); it writes its own report when it finishes — run npm run report after that \\(nothing was written\\)\n$`,
        ),
      );
      expect(readFileSync(join(d, 'report.json'), 'utf8')).toBe('{"written":"by the running replicate"}\n');
      expect(existsSync(join(d, 'report.html'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('is released when the process exits', () => {
    const d = fresh();
    const code = `import('${join(process.cwd(), 'src/cli/run-lock.ts')}').then((m) => { m.acquireRunLock(process.argv[1], 'child'); console.log(require('fs').existsSync(process.argv[1] + '/${LOCK_FILE}')); })`;
    const r = spawnSync('node', ['--import', 'tsx', '-e', code, d], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('true');
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('says a folder that cannot be written, before anything else', () => {
    // As root permissions do not stop a write: /sys refuses it (EPERM) on Linux instead.
    const root = process.getuid?.() === 0;
    if (root && !existsSync('/sys/kernel')) return;
    const d = root ? '/sys' : fresh();
    if (!root) chmodSync(d, 0o500);
    try {
      expect(() => acquireRunLock(join(d, 'run-lock-probe'), 'x')).toThrow(
        new RegExp(
          `^${d}/run-lock-probe cannot be written \\((EACCES: permission denied|EPERM: operation not permitted) writing ${d}/run-lock-probe\\): give a writable --out, or make it writable and continue with --resume$`,
        ),
      );
    } finally {
      if (!root) chmodSync(d, 0o700);
    }
  });

  it('says a full disk with the folder and "free space and continue with --resume" (a real ENOSPC from /dev/full)', () => {
    let err: unknown = null;
    try {
      writeFileSync('/dev/full', 'x');
    } catch (e) {
      err = e;
    }
    if (!existsSync('/dev/full')) err = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', path: '/dev/full' });
    expect(diskErrorMessage(err, '/runs/a')).toMatch(
      /^no space left on the disk of \/runs\/a \(ENOSPC( writing \/dev\/full)?\): free space and continue with --resume$/,
    );
    expect(diskErrorMessage(new Error('other'), '/runs/a')).toBeNull();
  });
});
