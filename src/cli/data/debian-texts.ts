// Where scripts/extract-debian-texts.sh leaves the King James Bible and the WordNet glosses that build-data copies
// into public/data, and the Debian packages they come from.
export const KJV_FILE = 'data/kjv/kjv.txt';
export const WORDNET_GLOSSES_FILE = 'data/wordnet/glosses.txt';
export const DEBIAN_TEXTS = { kjv: { pkg: 'bible-kjv-text', version: '4.38' }, wordnet: { pkg: 'wordnet-base', version: '1:3.0-37' } } as const;
