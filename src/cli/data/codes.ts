/**
 * The shipped emoji's VQ codes for `npm run build-data`: every image of each style encoded by the shipped tokenizer
 * (public/models/vq-twemoji32) on wasm, written as emoji/<style>-vq-codes.bin with emoji/codes.json naming the
 * tokenizer's key (core/data/codes.ts). Encoding takes minutes here, so a table whose tokenizer key and atlas hash
 * match one already built (in the output folder or in public/data) is copied, not re-encoded: codes are a function of
 * exactly those two. A changed tokenizer or atlas re-encodes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeBackend } from '../backend-node';
import { loadVQ } from '../../core/checkpoint/vq';
import { CODES_INDEX, encodeCodeTable, vqKey, type CodesIndex } from '../../core/data/codes';
import { DeviceImages, imagesFromAtlas } from '../../core/data/images';
import { encodeImages } from '../../core/experiment/data';
import { dirSource } from '../common';
import { decodePngNode } from '../image-decode';

/** One style's atlas as built in this run. */
export interface BuiltAtlas {
  style: string;
  png: Buffer;
  count: number;
  cell: number;
  cols: number;
}

/** codes.json with, per style, the hash of the atlas its codes were made from (what decides a rebuild). */
type StoredIndex = CodesIndex & { styles: Record<string, { file: string; count: number; grid: number; atlasSha256: string }> };

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A table already built for this tokenizer key and atlas, in one of `dirs`, or null. */
function earlier(dirs: string[], key: string, a: BuiltAtlas, atlasSha256: string, grid: number): { bytes: Buffer; dir: string } | null {
  for (const dir of dirs) {
    const indexPath = join(dir, CODES_INDEX);
    if (!existsSync(indexPath)) continue;
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as StoredIndex;
    const old = index.styles?.[a.style];
    if (index.vq?.key !== key || !old || old.atlasSha256 !== atlasSha256 || old.count !== a.count || old.grid !== grid) continue;
    const path = join(dir, 'emoji', old.file);
    if (existsSync(path) && readFileSync(path).length === a.count * grid * grid * 2) return { bytes: readFileSync(path), dir };
  }
  return null;
}

/**
 * The files to write under public/data (path → bytes) for the tokenizer in `vqDir`, or the reason there are none when
 * there is no tokenizer yet (the first build, before `npm run train-vq`). Earlier tables are looked for in `reuse`
 * (the output folder and public/data); `encode` re-encodes regardless.
 */
export async function emojiCodeFiles(atlases: BuiltAtlas[], vqDir: string, reuse: string[], encode: boolean, log: (s: string) => void): Promise<Map<string, Buffer> | { skipped: string }> {
  if (!existsSync(join(vqDir, 'model.safetensors'))) return { skipped: `${vqDir} has no model.safetensors (train it with npm run train-vq, then run build-data again)` };
  const weights = new Uint8Array(readFileSync(join(vqDir, 'model.safetensors')));
  const choice = await initNodeBackend('wasm');
  const { model: vq, meta } = await loadVQ(await dirSource(vqDir), 'build-data-vq');
  try {
    const key = await vqKey(weights, meta.model);
    const index: StoredIndex = { version: 1, vq: { dir: vqDir.replace(/^public\//, '').replace(/\/+$/, ''), key }, styles: {} };
    const files = new Map<string, Buffer>();
    for (const a of atlases) {
      const file = `${a.style}-vq-codes.bin`;
      const atlasSha256 = sha(a.png);
      const grid = vq.grid;
      const kept = encode ? null : earlier(reuse, key, a, atlasSha256, grid);
      if (kept) {
        log(`codes: ${a.style} unchanged (tokenizer ${key.slice(0, 12)}…, same atlas): copied from ${kept.dir}`);
        files.set(`emoji/${file}`, kept.bytes);
      } else {
        const t0 = performance.now();
        const pixels = imagesFromAtlas(decodePngNode(a.png), [...Array(a.count).keys()], a.cell, a.cols);
        const images = new DeviceImages(pixels, a.count, a.cell);
        const codes = await encodeImages(vq, images).finally(() => images.dispose());
        files.set(`emoji/${file}`, Buffer.from(encodeCodeTable(codes)));
        log(`codes: encoded ${a.count} ${a.style} images with ${vqDir} on ${choice.backend} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
      index.styles[a.style] = { file, count: a.count, grid, atlasSha256 };
    }
    files.set(CODES_INDEX, Buffer.from(JSON.stringify(index, null, 2) + '\n'));
    return files;
  } finally {
    vq.dispose();
  }
}
