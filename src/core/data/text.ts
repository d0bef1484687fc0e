// One rule for "empty" text, used for captions and corpora everywhere: text is trimmed of Unicode white space
// (JS \s: incl. NBSP U+00A0, U+3000, U+FEFF) and of invisible format characters (Unicode category Cf: U+200B zero
// width space, U+2060 word joiner, U+FEFF, U+00AD soft hyphen, bidi marks), and is empty when nothing is left.
// Format characters inside the text (a zero width joiner in an emoji sequence) are kept.

const EDGES = /^[\s\p{Cf}]+|[\s\p{Cf}]+$/gu;
const BLANK = /^[\s\p{Cf}]*$/u;

/** `s` without leading and trailing white space and invisible format characters, inner white-space runs as one space. */
export function cleanText(s: string): string {
  return s.replace(EDGES, '').replace(/\s+/g, ' ');
}

/** True when `s` holds nothing but white space and invisible format characters (or nothing). */
export function isEmptyText(s: string): boolean {
  return BLANK.test(s);
}
