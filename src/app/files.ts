// Files the user drops or picks: a .zip as is, or a folder's files (drag-and-drop entries or <input webkitdirectory>)
// zipped in the page so the worker's one bring-your-own loader sees the same thing either way.
import { zipSync } from 'fflate';

/** Deepest folder nesting and most files read from a drop: a link loop in a dropped folder ends here, named. */
const MAX_DEPTH = 32;
const MAX_FILES = 50_000;

async function entryFiles(entry: FileSystemEntry, prefix: string, out: [string, File][], depth = 0): Promise<void> {
  if (entry.isFile) {
    if (out.length >= MAX_FILES)
      throw new Error(
        `${prefix}${entry.name}: more than ${MAX_FILES} files in the dropped folder (a link loop?); split the dataset or zip it`,
      );
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push([prefix + entry.name, file]);
  } else if (entry.isDirectory) {
    if (depth > MAX_DEPTH)
      throw new Error(
        `${prefix}${entry.name}: folders nested more than ${MAX_DEPTH} deep (a symbolic link loop?); remove the link or zip the dataset`,
      );
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      for (const e of batch) await entryFiles(e, `${prefix}${entry.name}/`, out, depth + 1);
    }
  }
}

/** A dataset from a drop: one .zip file, or a folder. Returns its name and zip bytes. */
export async function datasetFromDrop(dt: DataTransfer): Promise<{ name: string; zip: Uint8Array }> {
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => Boolean(e));
  if (entries.length === 1 && entries[0].isDirectory) {
    const files: [string, File][] = [];
    await entryFiles(entries[0], '', files);
    return { name: entries[0].name, zip: await zipOf(files.map(([p, f]) => [p.slice(entries[0].name.length + 1), f])) };
  }
  const file = dt.files[0];
  if (!file) throw new Error('nothing was dropped: drop a .zip or a folder');
  return datasetFromFiles([file]);
}

/** From an <input type=file>: one .zip or .parquet, or a folder's files (webkitRelativePath). */
export async function datasetFromFiles(files: File[]): Promise<{ name: string; zip: Uint8Array }> {
  if (files.length === 1 && /\.zip$/i.test(files[0].name))
    return { name: files[0].name, zip: new Uint8Array(await files[0].arrayBuffer()) };
  // One Hub-style Parquet file (images inline): zipped as data/<name>, as the Hub lays it out.
  if (files.length === 1 && /\.parquet$/i.test(files[0].name))
    return { name: files[0].name.replace(/\.parquet$/i, ''), zip: await zipOf([[`data/${files[0].name}`, files[0]]]) };
  if (files.length === 1)
    throw new Error(
      `${files[0].name}: not a .zip or .parquet; drop a .zip, a Hub-style .parquet or a folder with images and captions.csv`,
    );
  const root = files[0].webkitRelativePath.split('/')[0] || 'dataset';
  return {
    name: root,
    zip: await zipOf(files.map((f) => [f.webkitRelativePath.split('/').slice(1).join('/') || f.name, f])),
  };
}

async function zipOf(files: [string, File][]): Promise<Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (const [p, f] of files) entries[p] = new Uint8Array(await f.arrayBuffer());
  return zipSync(entries, { level: 0 });
}

/** A picked LM folder's files by base name. */
export async function folderFiles(files: File[]): Promise<{ name: string; files: [string, Uint8Array][] }> {
  const name = files[0]?.webkitRelativePath.split('/')[0] || 'folder';
  return {
    name,
    files: await Promise.all(
      files.map(async (f) => [f.name, new Uint8Array(await f.arrayBuffer())] as [string, Uint8Array]),
    ),
  };
}
