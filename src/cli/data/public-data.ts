// public/data read from disk, for the Node entry points and tests (the worker fetches the same files).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataReader } from '../../core/data/emoji';

export const PUBLIC_DATA = 'public/data';

export const readPublicData: DataReader = async (path) => {
  try {
    return new Uint8Array(await readFile(join(PUBLIC_DATA, path)));
  } catch {
    throw new Error(`${join(PUBLIC_DATA, path)}: missing; run npm run build-data`);
  }
};
