// A bring-your-own dataset's VQ codes are encoded once and kept in IndexedDB under the zip's SHA-256 and the shipped
// tokenizer's key; the next run on the same zip reads them back instead of encoding again.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { zipSync, strToU8 } from 'fflate';
import { launch, problems, type Logged } from './browser';

let browser: Browser;
const base = () => inject('baseURL');

type Entry = { key: string; images: number; codes: number; savedAt: number };
/** Every entry of the page's code cache (database "tabula-codes"). */
const cacheEntries = (page: Page) =>
  page.evaluate(async () => {
    // Opening a database that does not exist would create it empty, so look first.
    if (!(await indexedDB.databases()).some((d) => d.name === 'tabula-codes')) return [];
    return new Promise<Entry[]>((resolve, reject) => {
      const open = indexedDB.open('tabula-codes');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('codes')) return resolve([]);
        const store = db.transaction('codes').objectStore('codes');
        const keys = store.getAllKeys();
        const values = store.getAll();
        values.onsuccess = () =>
          resolve(
            values.result.map((v: { images: number; codes: Int32Array; savedAt: number }, i: number) => ({
              key: String(keys.result[i]),
              images: v.images,
              codes: v.codes.length,
              savedAt: v.savedAt,
            })),
          );
      };
    });
  });

const phase = (page: Page) => page.getByTestId('controls').getAttribute('data-phase');

describe('bring-your-own codes in IndexedDB', () => {
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('encodes a dropped dataset once and reads its codes back on the next run', async () => {
    const files: Record<string, Uint8Array> = {};
    const rows = ['file,caption'];
    for (let i = 0; i < 12; i++) {
      const p = new PNG({ width: 32, height: 32 });
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++)
          p.data.set((x + 3 * i) % 16 < 8 === y < 16 ? [255, 20 * i, 0, 255] : [0, 0, 160, 255], (y * 32 + x) * 4);
      files[`s${i}.png`] = new Uint8Array(PNG.sync.write(p));
      rows.push(`s${i}.png,stripes number ${i}`);
    }
    files['captions.csv'] = strToU8(rows.join('\n') + '\n');
    const zip = zipSync(files);
    const zipSha = createHash('sha256').update(zip).digest('hex');

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const l: Logged = { page, messages: [], pageErrors: [] };
    page.on('console', (m) => l.messages.push({ type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => l.pageErrors.push(e.message));
    await page.goto(`${base()}/?preset=smoke&steps=2#data`);
    await page.getByTestId('data-summary').waitFor({ timeout: 60_000 });
    await page
      .getByTestId('byod-zip')
      .setInputFiles({ name: 'stripes.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
    await expect
      .poll(() => page.getByTestId('data-summary').getAttribute('data-images'), { timeout: 60_000 })
      .toBe('12');
    await page.getByTestId('tab-experiment').click();
    await page.getByTestId('backend').waitFor({ timeout: 60_000 });
    expect(await cacheEntries(page)).toEqual([]);

    const runToTheEnd = async () => {
      await page.getByTestId('play').click();
      await expect.poll(() => phase(page), { timeout: 240_000, interval: 500 }).toBe('done');
    };
    await runToTheEnd();
    const first = await cacheEntries(page);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ images: 12, codes: 12 * 64 });
    expect(first[0].key).toMatch(new RegExp(`^${zipSha}:[0-9a-f]{64}$`));

    await runToTheEnd(); // "New run" on the same dataset
    expect(await cacheEntries(page)).toEqual(first); // read back, not encoded and saved again
    expect(problems(l)).toEqual([]);
    await page.close();
  }, 600_000);
});
