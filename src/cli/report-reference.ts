/**
 * `npm run report`'s count-model reference for a run recorded before the report carried one (count-model.ts): for a
 * run on the shipped Twemoji with its configuration on record, the (position, left, up) count model counted on the
 * training images' codes and scored on the validation images the run evaluated — the first cfg.evalImages in atlas
 * order for runs made before the stratified order (no meta.evalOrder), else in that order — from the shipped code
 * table of the run's VQ tokenizer. Null, with the reason, when that cannot be known.
 */
import { parseCaptionsFile } from '../core/data/captions';
import { loadVQWithKey, pickCodes, shippedEmojiCodes } from '../core/data/codes';
import type { ExperimentConfig } from '../core/experiment/config';
import { countModelReference } from '../core/experiment/count-model';
import { emojiSplitIndices } from '../core/experiment/prepare';
import { dirSource } from './common';
import { readPublicData } from './data/public-data';

export type CountReference = ReturnType<typeof countModelReference> & { source: string };

/** The count model of a recorded emoji run, or why there is none. */
export async function recordedCountModel(
  config: ExperimentConfig | null,
  meta: Record<string, unknown>,
): Promise<{ ref: CountReference | null; why: string | null }> {
  if (!config) return { ref: null, why: 'no configuration on record' };
  if (meta.dataset !== 'emoji-twemoji')
    return {
      ref: null,
      why: `the count model is computed for the shipped Twemoji only (this run: ${String(meta.dataset ?? 'not recorded')})`,
    };
  if (typeof meta.vq !== 'string') return { ref: null, why: 'the run names no VQ tokenizer' };
  const { model, key } = await loadVQWithKey(await dirSource(meta.vq));
  const { grid, config: vqConfig } = model;
  model.dispose();
  if (typeof meta.vqKey === 'string' && meta.vqKey !== key)
    return { ref: null, why: `${meta.vq} is no longer the tokenizer the run used` };
  const shipped = await shippedEmojiCodes(readPublicData, 'twemoji', key, vqConfig.codebookSize);
  if (!shipped.codes) return { ref: null, why: shipped.why };
  const items = parseCaptionsFile(
    JSON.parse(new TextDecoder().decode(await readPublicData('emoji/captions.json'))),
    'emoji/captions.json',
  ).items;
  const order = meta.evalOrder === 'stratified' ? 'stratified' : 'atlas';
  const { train, val } = emojiSplitIndices(items, config, order);
  const P = grid * grid;
  const ref = countModelReference(
    grid,
    vqConfig.codebookSize,
    pickCodes(shipped.codes, train, P),
    pickCodes(shipped.codes, val, P),
  );
  return {
    ref: {
      ...ref,
      source: `npm run report, from the shipped codes of ${meta.vq} (validation images in ${order} order)`,
    },
    why: null,
  };
}
