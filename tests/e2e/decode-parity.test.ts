// Node and the browser see the same pixels for the same file (issue 11, kind 4): each file built here is decoded by
// Node's decoder (src/cli/image-decode.ts, as check-data/replicate/train-vq/vq-eval use it) and by the page's
// (decodeImageBrowser in src/worker/browser-io.ts, served by a Vite dev server and run in the system Chromium), and
// the RGBA bytes must be equal: EXIF orientation in JPEG and PNG (and not in WebP), 4:2:0 and 4:4:4 JPEGs, animated
// PNG and WebP (first frame). Then the built app's Data panel is given the bad-input zips of kinds 5–7 and 9 and
// must show the same messages the command line prints.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { strToU8, zipSync } from 'fflate';
import { decodeImageNode } from '../../src/cli/image-decode';
import { sniffImage } from '../../src/core/data/byod';
import { checkImageFile } from '../../src/core/data/image-check';
import * as F from '../unit/helpers/image-files';
import { launch, openPage, problems, screenshot } from './browser';

let browser: Browser;
let server: ViteDevServer;

type Decoded = { width: number; height: number; data: number[] } | string;
/** decodeImageBrowser on each file, in the page (as a string: Vitest would rewrite a dynamic import in a function). */
async function browserDecode(page: Page, files: Record<string, Uint8Array>): Promise<Record<string, Decoded>> {
  const payload = JSON.stringify(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Array.from(v)])));
  return page.evaluate(`(async (input) => {
    const io = await import('/src/worker/browser-io.ts'); // served by the dev server, transformed as the worker gets it
    const out = {};
    for (const [k, v] of Object.entries(input)) {
      try {
        const img = await io.decodeImageBrowser(new Uint8Array(v), k);
        out[k] = { width: img.width, height: img.height, data: Array.from(img.data) };
      } catch (e) {
        out[k] = String(e);
      }
    }
    return out;
  })(${payload})`);
}

describe('Node and the browser decode the same file to the same pixels', () => {
  beforeAll(async () => {
    browser = await launch();
    server = await createServer({
      server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
      logLevel: 'silent',
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    await browser?.close();
  });

  it('files cut short are refused by Chromium as by the shared structural check both loaders run (issue 24, kind 4)', async () => {
    const cutAt = (b: Uint8Array, f: number) => b.subarray(0, Math.floor(b.length * f));
    const whole = {
      jpeg: await F.encodeJpeg(F.photo(64, 48)),
      progressive: await F.encodeJpeg(F.photo(64, 48), 85, 2, true),
      png: F.encodePng(F.photo(64, 48)),
      webp: await F.encodeWebp(F.photo(64, 48)),
    };
    const files: Record<string, Uint8Array> = {};
    for (const [k, b] of Object.entries(whole)) for (const f of [0.55, 0.9]) files[`${k} cut at ${f}`] = cutAt(b, f);
    const l = await openPage(browser, `${server.resolvedUrls!.local[0]}favicon.svg`);
    const seen = await browserDecode(l.page, { ...files, ...whole });
    await l.page.close();
    for (const [name, b] of Object.entries(files)) {
      expect(typeof seen[name], `Chromium decoded ${name}`).toBe('string');
      expect(checkImageFile(b, sniffImage(b)!)?.kind, name).toBe('truncated');
    }
    for (const name of Object.keys(whole)) expect(typeof seen[name], `${name}: ${String(seen[name])}`).toBe('object');
  });

  it('EXIF orientation, chroma subsampling, PNG eXIf, WebP EXIF, animated PNG and WebP', async () => {
    const photo = F.photo(37, 29);
    const jpeg420 = await F.encodeJpeg(photo, 85, 2);
    const files: Record<string, Uint8Array> = {
      'jpeg 4:2:0': jpeg420,
      'jpeg 4:4:4': await F.encodeJpeg(photo, 85, 1),
      'jpeg q40 4:2:0': await F.encodeJpeg(F.photo(64, 48), 40, 2),
      'png eXIf 6': F.pngWith(F.pattern(6, 4), [F.pngChunk('eXIf', F.tiffOrientation(6))]),
      'png eXIf 7': F.pngWith(F.pattern(6, 4), [F.pngChunk('eXIf', F.tiffOrientation(7))]),
      'webp EXIF 6': F.webpWithOrientation(await F.encodeWebp(F.pattern(6, 4)), 6, 4, 6),
      apng: F.apng([F.pattern(6, 4, 1), F.pattern(6, 4, 2)]),
      'apng, IDAT outside the animation': F.apng([F.pattern(6, 4, 1), F.pattern(6, 4, 2)], F.pattern(6, 4, 3)),
      'animated webp': F.animatedWebp({ w: 8, h: 6 }, [
        { webp: await F.encodeWebp(F.pattern(4, 2, 1)), x: 2, y: 4, w: 4, h: 2 },
        { webp: await F.encodeWebp(F.pattern(8, 6, 2)), x: 0, y: 0, w: 8, h: 6 },
      ]),
    };
    for (let o = 1; o <= 8; o++) files[`jpeg EXIF ${o}`] = F.jpegWithOrientation(jpeg420, o);
    const node = Object.fromEntries(
      await Promise.all(Object.entries(files).map(async ([k, v]) => [k, await decodeImageNode(v, k)] as const)),
    );
    const l = await openPage(browser, `${server.resolvedUrls!.local[0]}favicon.svg`);
    const web = await browserDecode(l.page, files);
    const report: Record<string, string> = {};
    for (const k of Object.keys(files)) {
      const b = web[k];
      if (typeof b === 'string') throw new Error(`${k}: the browser could not decode it: ${b}`);
      let max = 0;
      for (let i = 0; i < b.data.length; i++) max = Math.max(max, Math.abs(b.data[i] - node[k].data[i]));
      report[k] = `${b.width}×${b.height} vs ${node[k].width}×${node[k].height}, max |Δ| ${max}`;
    }
    console.log(`[decode parity] ${JSON.stringify(report, null, 1)}`);
    for (const k of Object.keys(files)) {
      const b = web[k] as { width: number; height: number; data: number[] };
      expect([k, b.width, b.height]).toEqual([k, node[k].width, node[k].height]);
      expect(Array.from(node[k].data), k).toEqual(b.data);
    }
    expect(l.pageErrors).toEqual([]); // (the console has the blank page's favicon 404)
    await l.page.close();
  });
});

describe('the Data panel shows what check-data prints', () => {
  const base = () => inject('baseURL');
  beforeAll(async () => {
    browser ??= await launch();
    if (!browser.isConnected()) browser = await launch();
  });

  async function dropZip(
    name: string,
    zip: Uint8Array,
  ): Promise<{ page: Page; text: string; close: () => Promise<void> }> {
    const l = await openPage(browser, `${base()}/#data`);
    await l.page.getByTestId('data-summary').waitFor({ timeout: 60_000 });
    await l.page.getByTestId('byod-zip').setInputFiles({ name, mimeType: 'application/zip', buffer: Buffer.from(zip) });
    await expect
      .poll(async () => (await l.page.getByTestId('data-summary').textContent()) ?? '', { timeout: 60_000 })
      .toContain(name.replace(/\.zip$/, ''));
    await expect
      .poll(async () => (await l.page.getByTestId('panel-data').textContent())?.includes('Loading…'), {
        timeout: 60_000,
      })
      .toBe(false);
    return {
      page: l.page,
      text: (await l.page.getByTestId('panel-data').textContent()) ?? '',
      close: async () => {
        expect(problems(l)).toEqual([]);
        await l.page.close();
      },
    };
  }

  it('a header size bomb is listed by name without being decoded, and the rest of the dataset loads', async () => {
    const r = await dropZip(
      'bomb.zip',
      zipSync({
        'captions.csv': strToU8('file,caption\nbig.png,a huge square\nok.png,a small picture\n'),
        'big.png': F.pngClaiming(65535, 65535),
        'ok.png': F.encodePng(F.pattern(8, 8)),
      }),
    );
    expect(r.text).toMatch(
      /captions\.csv, row 2: big\.png is 65535×65535 by its header, over the 40 megapixel limit; it was not decoded/,
    );
    await expect(r.page.getByTestId('data-summary').getAttribute('data-images')).resolves.toBe('1');
    await screenshot(r.page, 'panel-data-bomb');
    await r.close();
  });

  it('an encrypted zip is refused with what to do', async () => {
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 255);
    // Nothing in it is usable, so the dataset stays as it was and the refusal is said beside the drop.
    const l = await openPage(browser, `${base()}/#data`);
    await l.page.getByTestId('data-summary').waitFor({ timeout: 60_000 });
    await l.page.getByTestId('byod-zip').setInputFiles({
      name: 'secret.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from(
        F.rawZip([
          { name: 'captions.csv', data: garbage, flags: 1, method: 8 },
          { name: 'a.png', data: garbage, flags: 1, method: 8 },
        ]),
      ),
    });
    const err = l.page.getByTestId('data-error');
    await err.waitFor({ timeout: 60_000 });
    expect(await err.textContent()).toMatch(
      /secret\.zip: the archive is password-protected \(every entry encrypted, e\.g\. captions\.csv\); encrypted zips are not supported — extract it with its password and zip the folder again without one.*the dataset is still Twemoji/,
    );
    expect(problems(l)).toEqual([]);
    await l.page.close();
  });

  it('NFD and CP437 names match their captions, and a COCO captions file with several captions per image loads', async () => {
    const png = (s: number) => F.encodePng(F.pattern(8, 8, s));
    const coco = {
      images: [
        { id: 1, file_name: 'cafe\u0301.png' },
        { id: 2, file_name: 'naïve.png' },
      ],
      annotations: [
        { image_id: 1, caption: 'a coffee cup' },
        { image_id: 2, caption: 'a naive drawing' },
        { image_id: 1, caption: 'coffee again' },
      ],
    };
    const r = await dropZip(
      'coco.zip',
      F.rawZip([
        { name: 'annotations/captions_val.json', data: strToU8(JSON.stringify(coco)) },
        { name: 'val/café.png', data: png(1), flags: 0x800 },
        { name: Uint8Array.from([...strToU8('val/na'), 0x8b, ...strToU8('ve.png')]), data: png(2) }, // ï in CP437, no UTF-8 flag
      ]),
    );
    await expect(r.page.getByTestId('data-summary').getAttribute('data-images')).resolves.toBe('2');
    expect(await r.page.getByTestId('data-problems').count()).toBe(0);
    await expect(r.page.getByTestId('data-grid').locator('figure').count()).resolves.toBe(3); // one example per caption
    await r.close();
  });
});
