/**
 * The weights of a Hugging Face model directory, as one set of named tensors whichever layout holds them: a single
 * `model.safetensors`, or the sharded layout of `save_pretrained(max_shard_size=…)` — `model.safetensors.index.json`
 * (`{"metadata": {...}, "weight_map": {tensor: shard file}}`) beside the shard files it names. The index and the
 * shards are checked against each other (every listed tensor in its shard, no tensor in two shards or unlisted), and
 * every weight read is checked to be finite: a NaN or ±Inf is refused naming the tensor and its first bad index.
 */
import { CheckpointError } from './errors';
import { parseSafetensors, type SafetensorsFile, type TensorInfo } from './safetensors';
import { readText, type FileSource } from './source';

export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** One tensor of the directory: its header entry and the file (shard) it is in. */
export interface WeightEntry {
  info: TensorInfo;
  file: SafetensorsFile;
}

/** Every tensor of the directory by its name in the file(s), and the files it was read from (for messages). */
export interface DirectoryWeights {
  tensors: Map<string, WeightEntry>;
  /** `<label>/model.safetensors`, or `<label>/model.safetensors.index.json` for a sharded checkpoint. */
  source: string;
}

/** The flat index as a per-axis index of a row-major tensor of `shape`, e.g. 17 in [4, 8] → [2, 1]. */
export function unravelIndex(flat: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  for (let a = shape.length - 1, r = flat; a >= 0; a--) {
    out[a] = shape[a] > 0 ? r % shape[a] : 0;
    r = shape[a] > 0 ? Math.floor(r / shape[a]) : 0;
  }
  return out;
}

/**
 * Throw a CheckpointError when `data` holds a NaN or ±Inf, naming the file, the tensor, the first bad flat index and
 * its per-axis index within `shape`. Weights that are not finite come from a run that diverged, or from a damaged or
 * edited file; nothing computed from them means anything, so they are refused instead of producing NaN losses later.
 */
export function assertFinite(
  data: Float32Array,
  shape: number[],
  fileName: string,
  tensor: string,
  fix = 'a run that diverges saves such weights, and so does a damaged or hand-edited file: use an earlier checkpoint, copy the file again, or retrain',
): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? '+Infinity' : '-Infinity';
      throw new CheckpointError(
        fileName,
        `holds ${what} at index ${i} (position [${unravelIndex(i, shape).join(', ')}] of shape [${shape.join(', ')}]); ${fix}`,
        tensor,
      );
    }
  }
}

/** A tensor as float32 (F32, F16 or BF16 in its file), refused when any value is not finite. */
export function readFiniteFloat32(entry: WeightEntry): Float32Array {
  const data = entry.file.getFloat32(entry.info.name);
  assertFinite(data, entry.info.shape, entry.file.fileName, entry.info.name);
  return data;
}

/** A plain file name inside the directory: no folders, no `..` (an index may not point outside it). */
function isPlainFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\]/.test(name);
}

/**
 * Read the directory's weights: `model.safetensors` when present (as transformers prefers it), else the sharded
 * layout through `model.safetensors.index.json`. Throws a CheckpointError naming the file (and tensor) otherwise.
 */
export async function readWeights(src: FileSource): Promise<DirectoryWeights> {
  const at = (f: string) => `${src.label}/${f}`;
  const single = await src.read(WEIGHTS_FILE);
  if (single !== null) {
    const file = parseSafetensors(single, at(WEIGHTS_FILE));
    return {
      tensors: new Map([...file.tensors].map(([name, info]) => [name, { info, file }])),
      source: at(WEIGHTS_FILE),
    };
  }
  const indexText = await readText(src, WEIGHTS_INDEX_FILE);
  if (indexText === null && (await src.read('ckpt.pt')) !== null)
    throw new CheckpointError(
      at('ckpt.pt'),
      'a nanoGPT checkpoint (a pickled state dict), not a Hugging Face model.safetensors: convert it with python scale/convert_nanogpt.py ckpt.pt OUT_DIR and give OUT_DIR',
    );
  if (indexText === null)
    throw new CheckpointError(
      at(WEIGHTS_FILE),
      `not found, and no ${WEIGHTS_INDEX_FILE} for a sharded checkpoint either; only safetensors weights are read (convert pytorch_model.bin with save_pretrained(safe_serialization=True))`,
    );
  const indexName = at(WEIGHTS_INDEX_FILE);
  let index: unknown;
  try {
    index = JSON.parse(indexText);
  } catch (e) {
    throw new CheckpointError(
      indexName,
      `is not valid JSON (${(e as Error).message}); it should be the index save_pretrained wrote beside the shards`,
    );
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.keys(map).length === 0)
    throw new CheckpointError(
      indexName,
      'has no "weight_map" object (tensor name → shard file); it should be the index save_pretrained wrote beside the shards',
    );
  const byShard = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || !isPlainFileName(shard))
      throw new CheckpointError(
        indexName,
        `weight_map entry ${JSON.stringify(tensor)} names the shard ${JSON.stringify(shard)}; shards must be plain file names in the same folder`,
      );
    if (!shard.endsWith('.safetensors'))
      throw new CheckpointError(
        indexName,
        `weight_map entry ${JSON.stringify(tensor)} names ${JSON.stringify(shard)}, which is not a .safetensors shard`,
      );
    byShard.set(shard, [...(byShard.get(shard) ?? []), tensor]);
  }
  const tensors = new Map<string, WeightEntry>();
  for (const [shard, listed] of byShard) {
    const bytes = await src.read(shard);
    if (bytes === null)
      throw new CheckpointError(
        at(shard),
        `not found; ${WEIGHTS_INDEX_FILE} puts ${listed.length} tensor(s) in it (e.g. "${listed[0]}") — copy every shard into the folder`,
      );
    const file = parseSafetensors(bytes, at(shard));
    for (const name of listed) {
      const info = file.tensors.get(name);
      if (!info)
        throw new CheckpointError(
          at(shard),
          `missing, though ${WEIGHTS_INDEX_FILE} puts it in this shard; the index and the shards are from different saves`,
          name,
        );
      tensors.set(name, { info, file });
    }
    for (const name of file.tensors.keys()) {
      if (listed.includes(name)) continue;
      const elsewhere = (map as Record<string, string>)[name];
      throw new CheckpointError(
        at(shard),
        elsewhere
          ? `is also in ${elsewhere} according to ${WEIGHTS_INDEX_FILE}; a tensor must be in one shard`
          : `is not listed in ${WEIGHTS_INDEX_FILE}; the index and the shards are from different saves`,
        name,
      );
    }
  }
  return { tensors, source: indexName };
}
