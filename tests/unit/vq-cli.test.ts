// train-vq and vq-eval end to end on a small bring-your-own folder: every output file, and the vq-eval JSON contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

const run = promisify(execFile);
let dir = '';

describe('train-vq and vq-eval', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vqcli-'));
    await mkdir(join(dir, 'shapes'));
    const rows = ['file,caption'];
    for (let i = 0; i < 12; i++) {
      const p = new PNG({ width: 32, height: 32 });
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          p.data.set((x + i) % 8 < 4 === y < 16 ? [255, 40 * (i % 6), 0, 255] : [0, 0, 0, 0], (y * 32 + x) * 4);
      await writeFile(join(dir, 'shapes', `s${i}.png`), PNG.sync.write(p));
      rows.push(`s${i}.png,shape ${i}`);
    }
    await writeFile(join(dir, 'shapes', 'captions.csv'), rows.join('\n'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('trains, writes the tokenizer directory, and evaluates it with the contract JSON', async () => {
    const out = join(dir, 'vq');
    const t = await run('node', [
      '--import',
      'tsx',
      'src/cli/train-vq.ts',
      '--dataset',
      join(dir, 'shapes'),
      '--out',
      out,
      '--steps',
      '6',
      '--eval-every',
      '3',
      '--channels',
      '4',
      '--codes',
      '64',
      '--code-dim',
      '8',
      '--batch',
      '4',
    ]);
    expect(t.stdout).toMatch(/eval @6: PSNR/);
    for (const f of ['model.safetensors', 'config.json', 'usage.json', 'reconstructions.png', 'metrics.jsonl'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      format: 'tabula-vq',
      version: 1,
      model: { codebookSize: 64, codeDim: 8, channels: 4 },
    });
    expect(config.provenance.command).toMatch(/^npm run train-vq -- --dataset .* --steps 6/);
    expect(config.provenance.steps).toBe(6);
    expect((await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
    const grid = PNG.sync.read(await readFile(join(out, 'reconstructions.png')));
    expect([grid.width, grid.height]).toEqual([16 * 34 * 2, 2 * 34 * 2]); // 2 val images → one pair of rows, 16 columns
    const e = await run('node', [
      '--import',
      'tsx',
      'src/cli/vq-eval.ts',
      '--checkpoint',
      out,
      '--dataset',
      join(dir, 'shapes'),
      '--json',
    ]);
    const m = JSON.parse(e.stdout.trim());
    expect(Object.keys(m)).toEqual(['psnr', 'recon_mse', 'code_usage', 'perplexity', 'images']);
    expect(m.images).toBe(12);
    expect(m.psnr).toBeCloseTo(10 * Math.log10(1 / m.recon_mse), 6);
    expect(m.code_usage).toBeGreaterThan(0);
    const usage = JSON.parse(await readFile(join(out, 'usage.json'), 'utf8'));
    expect(usage.histogram).toHaveLength(64);
  });

  it('refuses a missing checkpoint in one line', async () => {
    const r = await run('node', ['--import', 'tsx', 'src/cli/vq-eval.ts', '--checkpoint', join(dir, 'nope')]).catch(
      (e) => e as { code: number; stderr: string },
    );
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr.trim()).toMatch(/^vq-eval: .*nope: no such directory$/);
  });
});
