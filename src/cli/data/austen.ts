// Where scripts/extract-austen.sh leaves the Austen text that build-data copies into public/data.
export const AUSTEN_DIR = 'data/austen';
