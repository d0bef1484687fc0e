/**
 * The five caption levels of every emoji image (docs/architecture.md §2), built from emoji-datasource (category,
 * subcategory, short name) and emojibase-data (CLDR name and keywords):
 * L0 class · L1 short name · L2 CLDR name · L3 template sentence · L4 name + keywords.
 */

export const CAPTION_LEVELS = ['L0', 'L1', 'L2', 'L3', 'L4'] as const;
export const CAPTION_LEVEL_NAMES: Record<(typeof CAPTION_LEVELS)[number], string> = {
  L0: 'class (category / subcategory)',
  L1: 'short name',
  L2: 'CLDR name',
  L3: 'template sentence',
  L4: 'name + keywords',
};

const TONES: Record<string, string> = {
  '1F3FB': 'light skin tone',
  '1F3FC': 'medium-light skin tone',
  '1F3FD': 'medium skin tone',
  '1F3FE': 'medium-dark skin tone',
  '1F3FF': 'dark skin tone',
};

/** "animal-mammal" → "animal mammal". */
export function words(slug: string): string {
  return slug.replace(/[-_]+/g, ' ').trim();
}

/** "a" or "an" before a phrase, by its first sound (vowel letter, with common exceptions). */
export function article(phrase: string): string {
  const w = phrase.trim().toLowerCase();
  if (/^(uni|use|one|euro|u[bcfhjkqrstn][aeiou])/.test(w)) return 'a';
  if (/^(hour|honest|honou?r)/.test(w)) return 'an';
  return /^[aeiou]/.test(w) ? 'an' : 'a';
}

/** Skin-tone words of a variation key such as "1F3FB" or "1F3FB-1F3FE". */
export function toneWords(key: string): string {
  const parts = key.split('-').map((k) => TONES[k.toUpperCase()]);
  if (parts.some((p) => !p)) throw new Error(`unknown skin-tone key ${key}`);
  return [...new Set(parts)].join(', ');
}

export interface CaptionInput {
  category: string;
  subcategory: string;
  shortName: string;
  /** CLDR name, e.g. "woman scientist" or "waving hand: light skin tone". */
  cldrName: string;
  keywords: string[];
  /** Skin-tone key of a variation, or null for the base emoji. */
  tone: string | null;
}

/** [L0, L1, L2, L3, L4] for one image. */
export function captionLevels(x: CaptionInput): [string, string, string, string, string] {
  const sub = words(x.subcategory);
  const tone = x.tone ? toneWords(x.tone) : null;
  const l0 = `${x.category.toLowerCase()}, ${sub}`;
  const l1 = words(x.shortName) + (tone ? ` ${tone}` : '');
  const l2 = x.cldrName;
  const l3 = `an emoji of ${article(l2)} ${l2}, ${article(sub)} ${sub}`;
  const kw = [...new Set(x.keywords.map((k) => k.trim()).filter(Boolean))];
  const l4 = kw.length ? `${l2}: ${kw.join(', ')}` : l2;
  return [l0, l1, l2, l3, l4];
}
