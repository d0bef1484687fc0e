/**
 * The models shipped in public/models/ that a run uses unless told otherwise: the pre-trained LM (lm-english: Austen,
 * the King James Bible, State of the Union addresses and WordNet glosses; its provenance and held-out figures against
 * a Kneser-Ney bigram are in its tabula.json) and the VQ tokenizer of the Twemoji images. lm-austen, the earlier
 * Austen-only LM, stays shipped for the runs recorded with it.
 */
export const SHIPPED_MODELS = { lm: 'lm-english', vq: 'vq-twemoji32' } as const;
