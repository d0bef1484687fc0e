/**
 * The held-out images, split by purpose (issue 20, item 3). Evaluation: every validation image, in a stratified
 * order — one image of each category first, then the rest interleaved in proportion to their categories — so that a
 * capped evaluation (cfg.evalImages N > 0: the first N), the quality figure's captions and the samples are a
 * stratified subset covering every category rather than the first images in atlas order (which were 2 categories
 * of 9). Selection: whole concepts taken out of the training split, stratified by category, on which learning-rate
 * sweeps choose rates; the sweep's runs train on the rest, so no rate is chosen on the evaluation images or on
 * images the sweep trained on. (The main runs afterwards train on the whole training split: rates tuned on a
 * development split, then the model refit on all training data.)
 */
import type { ExperimentData, Split } from './data';

/**
 * An order of positions 0…n−1 in which every prefix of length ≥ C (the number of distinct categories) holds every
 * category, and longer prefixes hold each category close to its share: first the first item of each category (in
 * order of first appearance), then the remaining items by (rank within category + ½) ÷ (items left in the category),
 * ties to the earlier category. Within a category the items keep their order.
 */
export function stratifiedOrder(categories: readonly string[]): number[] {
  const byCat = new Map<string, number[]>();
  categories.forEach((c, i) => byCat.set(c, [...(byCat.get(c) ?? []), i]));
  const lists = [...byCat.values()];
  const head = lists.map((l) => l[0]);
  const rest = lists.flatMap((l, c) => l.slice(1).map((i, r) => ({ i, c, key: (r + 0.5) / (l.length - 1) })));
  rest.sort((a, b) => a.key - b.key || a.c - b.c);
  return [...head, ...rest.map((x) => x.i)];
}

/** Share of the training concepts set aside for selection. */
export const SELECTION_SHARE = 0.1;

/**
 * Which training positions form the selection split: per category (in order of first appearance), its concepts in
 * order of first appearance, every ⌈1/share⌉-th of them from the middle of the first stride (so at least one concept
 * of every category with two or more concepts; a category with one concept stays in training). Every image of a
 * chosen concept goes to selection. `concepts` are the images' concept ids (skin-tone variants share one; for data
 * without concepts pass each image's own index); `categories` their categories (or one shared label).
 * Returns sorted positions: `selection` and the `fit` positions the sweep trains on. Throws on a length mismatch or a
 * share outside (0, 0.5].
 */
export function selectionSplit(
  concepts: readonly number[],
  categories: readonly string[],
  share = SELECTION_SHARE,
): { selection: number[]; fit: number[] } {
  if (concepts.length !== categories.length)
    throw new Error(`selectionSplit: ${concepts.length} concepts but ${categories.length} categories`);
  if (!(share > 0 && share <= 0.5)) throw new Error(`selectionSplit: share must be in (0, 0.5], got ${share}`);
  const stride = Math.ceil(1 / share);
  const conceptsOf = new Map<string, number[]>();
  concepts.forEach((k, i) => {
    const list = conceptsOf.get(categories[i]) ?? [];
    if (!list.includes(k)) list.push(k);
    conceptsOf.set(categories[i], list);
  });
  const chosen = new Set<string>();
  for (const [cat, list] of conceptsOf) {
    if (list.length < 2) continue;
    const first = Math.min(Math.floor(stride / 2), Math.floor((list.length - 1) / 2));
    for (let j = first; j < list.length; j += stride) chosen.add(`${cat}|${list[j]}`);
  }
  const selection: number[] = [];
  const fit: number[] = [];
  concepts.forEach((k, i) => (chosen.has(`${categories[i]}|${k}`) ? selection : fit).push(i));
  return { selection, fit };
}

/** The images of `split` at `positions`, in that order. */
export function subsetSplit(split: Split, positions: readonly number[], imageTokens: number): Split {
  const codes = new Int32Array(positions.length * imageTokens);
  positions.forEach((p, k) => codes.set(split.codes.subarray(p * imageTokens, (p + 1) * imageTokens), k * imageTokens));
  return {
    codes,
    captions: positions.map((p) => split.captions[p]),
    text: positions.map((p) => split.text[p]),
    count: positions.length,
    ...(split.concepts ? { concepts: positions.map((p) => split.concepts![p]) } : {}),
  };
}

/**
 * The data a learning-rate sweep runs on: training on the training split without the selection concepts, "held-out"
 * losses on the selection images (selectionSplit over the training images' `concepts` — for bring-your-own data
 * each image's own index, so an image's captions stay together — and `categories`, one label when null). English
 * and the vocabulary are shared. Throws when either side would be empty or the labels do not match the split.
 */
export function selectionData(
  data: ExperimentData,
  labels: { concepts: readonly number[]; categories: readonly string[] | null },
  share = SELECTION_SHARE,
): ExperimentData {
  const n = data.train.count;
  if (labels.concepts.length !== n)
    throw new Error(`the selection split: ${labels.concepts.length} concept labels for ${n} training images`);
  const { selection, fit } = selectionSplit(labels.concepts, labels.categories ?? Array<string>(n).fill('all'), share);
  if (!selection.length || !fit.length)
    throw new Error(
      `the selection split needs training images of two or more concepts; the ${n} training images give ${selection.length} for selection and ${fit.length} to train on`,
    );
  return {
    ...data,
    train: subsetSplit(data.train, fit, data.imageTokens),
    val: subsetSplit(data.train, selection, data.imageTokens),
  };
}
