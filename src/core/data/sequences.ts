/**
 * Training sequences `<|bos|> caption <|pad|>… <|boi|> image tokens <|eoi|>` (docs/architecture.md §5) and their
 * loss masks. Captions are truncated or padded to a fixed budget, so image tokens always sit at the same positions (which makes
 * the 8×8 per-position loss meaningful). The image-only variant drops the caption: `<|bos|> <|boi|> image <|eoi|>`.
 *
 * Masks are over predictions: entry t concerns the target ids[t+1]. `text` marks caption-token targets, `image` marks
 * image-token targets, and `loss` marks everything trained on (text, image, <|boi|>, <|eoi|>) — pad never.
 */

export interface SequenceSpec {
  /** Caption tokens kept (longer captions are truncated, shorter ones padded). Ignored when imageOnly. */
  captionBudget: number;
  /** Image tokens per image (64 for an 8×8 grid). */
  imageTokens: number;
  /** Id of image code 0; code k is imageOffset + k. */
  imageOffset: number;
  /** Number of image codes (the VQ codebook size). */
  imageCodes: number;
  special: { bos: number; boi: number; eoi: number; pad: number };
  /** Drop captions (the unconditional arm). */
  imageOnly: boolean;
}

export interface Sequence {
  ids: number[];
  /** Length T−1 masks over predictions. */
  text: number[];
  image: number[];
  loss: number[];
  /** Caption tokens cut by the budget. */
  truncated: number;
}

export function sequenceLength(s: SequenceSpec): number {
  return (s.imageOnly ? 2 : 2 + s.captionBudget) + s.imageTokens + 1;
}

/** Index in `ids` of the first image token. */
export function firstImagePosition(s: SequenceSpec): number {
  return s.imageOnly ? 2 : 2 + s.captionBudget;
}

export function buildSequence(s: SequenceSpec, caption: number[], codes: number[]): Sequence {
  if (codes.length !== s.imageTokens) throw new Error(`buildSequence: ${codes.length} image codes, expected ${s.imageTokens}`);
  const bad = codes.find((c) => !Number.isInteger(c) || c < 0 || c >= s.imageCodes);
  if (bad !== undefined) throw new Error(`buildSequence: image code ${bad} outside [0, ${s.imageCodes})`);
  const kept = s.imageOnly ? [] : caption.slice(0, s.captionBudget);
  const pads = s.imageOnly ? 0 : s.captionBudget - kept.length;
  const ids = [s.special.bos, ...kept, ...Array<number>(pads).fill(s.special.pad), s.special.boi, ...codes.map((c) => c + s.imageOffset), s.special.eoi];
  const T = ids.length;
  const text = new Array<number>(T - 1).fill(0);
  const image = new Array<number>(T - 1).fill(0);
  const loss = new Array<number>(T - 1).fill(0);
  const first = firstImagePosition(s);
  for (let t = 0; t < T - 1; t++) {
    const target = t + 1;
    if (target <= kept.length) text[t] = 1;
    else if (target >= first && target < first + s.imageTokens) image[t] = 1;
    loss[t] = ids[target] === s.special.pad ? 0 : 1;
  }
  return { ids, text, image, loss, truncated: s.imageOnly ? 0 : Math.max(0, caption.length - s.captionBudget) };
}

export interface SequenceBatch {
  B: number;
  T: number;
  /** [B·T] ids, row-major. */
  ids: Int32Array;
  /** [B·(T−1)] masks. */
  text: Float32Array;
  image: Float32Array;
  loss: Float32Array;
}

export function buildBatch(s: SequenceSpec, captions: number[][], codes: number[][]): SequenceBatch {
  if (captions.length !== codes.length) throw new Error(`buildBatch: ${captions.length} captions for ${codes.length} images`);
  const B = codes.length;
  const T = sequenceLength(s);
  const out: SequenceBatch = { B, T, ids: new Int32Array(B * T), text: new Float32Array(B * (T - 1)), image: new Float32Array(B * (T - 1)), loss: new Float32Array(B * (T - 1)) };
  for (let b = 0; b < B; b++) {
    const q = buildSequence(s, captions[b], codes[b]);
    out.ids.set(q.ids, b * T);
    out.text.set(q.text, b * (T - 1));
    out.image.set(q.image, b * (T - 1));
    out.loss.set(q.loss, b * (T - 1));
  }
  return out;
}

/**
 * Which ids may be generated at each absolute position (for GPT.generate): image ids only at image positions,
 * <|boi|> / <|eoi|> at theirs, and text (neither image ids nor <|boi|>/<|eoi|>/<|bos|>) at caption positions.
 */
export function allowedIds(s: SequenceSpec, vocabSize: number): (pos: number) => Uint8Array {
  const image = new Uint8Array(vocabSize);
  for (let k = 0; k < s.imageCodes; k++) image[s.imageOffset + k] = 1;
  const text = new Uint8Array(vocabSize).fill(1);
  for (let k = 0; k < s.imageCodes; k++) text[s.imageOffset + k] = 0;
  for (const id of [s.special.bos, s.special.boi, s.special.eoi]) text[id] = 0;
  const only = (id: number) => {
    const m = new Uint8Array(vocabSize);
    m[id] = 1;
    return m;
  };
  const boi = only(s.special.boi);
  const eoi = only(s.special.eoi);
  const first = firstImagePosition(s);
  return (pos) => (pos === first - 1 ? boi : pos >= first && pos < first + s.imageTokens ? image : pos === first + s.imageTokens ? eoi : text);
}

/**
 * The default experiment setting: CLDR names (L2) with a 28-token caption budget. With the 2,048-id Austen BPE an
 * L2 caption is 12.1 tokens on average (95th percentile 27), so a sequence is 95 ids and the image:text token ratio
 * is 64 : 12.1 ≈ 5.3 : 1 (the paper's data has ~30 : 1).
 */
export const DEFAULT_CAPTION_LEVEL = 'L2';
export const DEFAULT_CAPTION_BUDGET = 28;
