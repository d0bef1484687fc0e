// A Hub-style Parquet dataset (one data/train-*.parquet file: an `image` {bytes, path} struct and a `text` column, as
// `datasets` writes it) picked in the page loads through the bring-your-own loader and trains to the report, whose
// TensorBoard export holds one event file per arm and seed (issue 25).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { maskedCrc32c } from '../../src/core/experiment/tensorboard';
import { launch, problems, type Logged } from './browser';

let browser: Browser;
const base = () => inject('baseURL');
const phase = (page: Page) => page.getByTestId('controls').getAttribute('data-phase');

describe('a Hub-style Parquet dataset in the page', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads a picked .parquet file, trains on it to the report, and exports the run for TensorBoard', async () => {
    const images: { bytes: Uint8Array; path: string }[] = [];
    const text: string[] = [];
    for (let i = 0; i < 12; i++) {
      const p = new PNG({ width: 32, height: 32 });
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          p.data.set((x + 3 * i) % 16 < 8 === y < 16 ? [255, 20 * i, 0, 255] : [0, 0, 160, 255], (y * 32 + x) * 4);
      images.push({ bytes: new Uint8Array(PNG.sync.write(p)), path: `s${i}.png` });
      text.push(`stripes number ${i}`);
    }
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'image', data: images },
        { name: 'text', data: text },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
        { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
        { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const l: Logged = { page, messages: [], pageErrors: [] };
    page.on('console', (m) => l.messages.push({ type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => l.pageErrors.push(e.message));
    await page.goto(`${base()}/?preset=smoke&steps=2#data`);
    await page.getByTestId('data-summary').waitFor({ timeout: 60_000 });
    await page.getByTestId('byod-zip').setInputFiles({
      name: 'train-00000-of-00001.parquet',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(parquet),
    });
    await expect
      .poll(() => page.getByTestId('data-summary').getAttribute('data-images'), { timeout: 60_000 })
      .toBe('12');
    await page.getByTestId('tab-experiment').click();
    await page.getByTestId('backend').waitFor({ timeout: 60_000 });
    await page.getByTestId('play').click();
    await expect.poll(() => phase(page), { timeout: 240_000, interval: 500 }).toBe('done');
    // The report's TensorBoard export: one event file per arm and seed, every record framed as TFRecord.
    await page.getByTestId('tab-report').click();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-tensorboard').click()]);
    expect(dl.suggestedFilename()).toBe('tensorboard.zip');
    const files = unzipSync(new Uint8Array(readFileSync((await dl.path())!)));
    expect(
      Object.keys(files)
        .map((k) => k.replace(/\/events\.out\.tfevents\.\d+\.tabula-rasa$/, ''))
        .sort(),
    ).toEqual(['pretrained/s0', 'scratch/s0']);
    for (const bytes of Object.values(files)) {
      let at = 0,
        events = 0;
      while (at < bytes.length) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + at);
        const n = Number(view.getBigUint64(0, true));
        expect(view.getUint32(8, true)).toBe(maskedCrc32c(bytes.subarray(at, at + 8)));
        expect(view.getUint32(12 + n, true)).toBe(maskedCrc32c(bytes.subarray(at + 12, at + 12 + n)));
        at += 16 + n;
        events++;
      }
      expect(at).toBe(bytes.length);
      expect(events).toBeGreaterThan(10); // the file version, then every training and evaluation value
    }
    expect(problems(l)).toEqual([]);
    await page.close();
  }, 600_000);
});
