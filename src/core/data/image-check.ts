/**
 * Is an image file whole, and is it coded in a way both decoders read? Read from the file's structure alone (no
 * decoding), so Node (image-decode.ts) and the page (createImageBitmap) refuse the same files for the same reason:
 * - JPEG (ITU-T T.81): markers walked from SOI; each segment and the entropy-coded data after each SOS must fit in the
 *   file and EOI must follow — a download cut short ends without it (libjpeg "finishes" such a file with grey rows,
 *   Chromium refuses it). The frame's coding process is read from its SOFn marker: baseline (SOF0), extended
 *   sequential (SOF1) and progressive (SOF2) with 8-bit samples are read by both sides; arithmetic coding (SOF9–11,
 *   SOF13–15), lossless (SOF3, SOF11), hierarchical (SOF5–7, SOF13–15) and 12-bit or 16-bit samples are not (the
 *   browser's libjpeg-turbo is built for 8-bit Huffman data), so they are named for what they are.
 * - PNG (ISO 15948): chunks walked from the signature; each must fit in the file with a correct CRC-32 for the
 *   critical ones (IHDR, PLTE, IDAT, IEND), and IEND must come.
 * - WebP (RIFF): the RIFF size and every chunk must fit in the file.
 */

export interface ImageFileProblem {
  /** A file cut short, one damaged otherwise, or a whole file in a coding the browser does not decode. */
  kind: 'truncated' | 'damaged' | 'coding';
  /** What is wrong, after the file's name: "cannot be decoded (truncated: …)". */
  message: string;
  fix: string;
}

const CUT_FIX = 'download or export the image again (the file ends early), or re-save it from a copy that opens';
const DAMAGED_FIX = 'download or export the image again, or re-save it from a copy that opens';
const JPEG_FIX = 're-save it as an 8-bit baseline JPEG (or as PNG)';

const cut = (why: string): ImageFileProblem => ({ kind: 'truncated', message: `cannot be decoded (truncated: ${why})`, fix: CUT_FIX });
const damaged = (why: string): ImageFileProblem => ({ kind: 'damaged', message: `cannot be decoded (damaged: ${why})`, fix: DAMAGED_FIX });

/** The coding process of a JPEG SOFn marker (0xC0–0xCF less DHT 0xC4, JPG 0xC8, DAC 0xCC), T.81 Table B.1. */
const SOF_PROCESS: Record<number, string> = {
  0xc0: 'baseline', 0xc1: 'extended sequential', 0xc2: 'progressive', 0xc3: 'lossless',
  0xc5: 'hierarchical (differential sequential)', 0xc6: 'hierarchical (differential progressive)', 0xc7: 'hierarchical (differential lossless)',
  0xc9: 'arithmetic-coded (extended sequential)', 0xca: 'arithmetic-coded (progressive)', 0xcb: 'arithmetic-coded (lossless)',
  0xcd: 'arithmetic-coded (hierarchical sequential)', 0xce: 'arithmetic-coded (hierarchical progressive)', 0xcf: 'arithmetic-coded (hierarchical lossless)',
};
const READABLE_SOF = new Set([0xc0, 0xc1, 0xc2]);

function checkJpeg(b: Uint8Array): ImageFileProblem | null {
  const be16 = (o: number) => (b[o] << 8) | b[o + 1];
  let o = 2;
  let frame = false;
  while (o < b.length) {
    if (b[o] !== 0xff) return damaged(`no JPEG marker at byte ${o}`);
    if (o + 1 >= b.length) break;
    const m = b[o + 1];
    if (m === 0xff) {
      o++; // fill byte
      continue;
    }
    if (m === 0xd9) return frame ? null : damaged('it ends before any image frame');
    if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      o += 2;
      continue;
    }
    if (o + 4 > b.length) break;
    const len = be16(o + 2);
    if (len < 2) return damaged(`a segment at byte ${o} has length ${len}`);
    if (o + 2 + len > b.length) return cut(`its ${m === 0xda ? 'scan header' : `segment 0xFF${m.toString(16).toUpperCase()}`} at byte ${o} runs past the end, ${b.length} bytes`);
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      const bits = b[o + 4];
      if (!READABLE_SOF.has(m)) return { kind: 'coding', message: `is ${/^[aeiou]/.test(SOF_PROCESS[m]) ? 'an' : 'a'} ${SOF_PROCESS[m]} JPEG, which the browser's decoder does not read (only 8-bit baseline, extended and progressive Huffman JPEGs are read); it was skipped`, fix: JPEG_FIX };
      if (bits !== 8) return { kind: 'coding', message: `is a ${bits}-bit ${SOF_PROCESS[m]} JPEG, which the browser's decoder does not read (8-bit samples only); it was skipped`, fix: JPEG_FIX };
      frame = true;
    }
    o += 2 + len;
    if (m === 0xda) {
      // Entropy-coded data runs to the next marker other than a stuffed 0xFF00 or a restart marker.
      while (o + 1 < b.length && !(b[o] === 0xff && b[o + 1] !== 0 && b[o + 1] !== 0xff && !(b[o + 1] >= 0xd0 && b[o + 1] <= 0xd7))) o++;
      if (o + 1 >= b.length) return cut(`its image data stops at byte ${b.length} with no end-of-image marker`);
    }
  }
  return cut(`no end-of-image marker in its ${b.length} bytes`);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
const CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

function checkPng(b: Uint8Array): ImageFileProblem | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 8;
  while (o + 12 <= b.length) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
    if (o + 12 + len > b.length) return cut(`its ${type} chunk at byte ${o} runs past the end, ${b.length} bytes`);
    if (CRITICAL.has(type) && crc32(b.subarray(o + 4, o + 8 + len)) !== dv.getUint32(o + 8 + len)) return damaged(`the checksum (CRC-32) of its ${type} chunk at byte ${o} is wrong`);
    if (type === 'IEND') return null;
    o += 12 + len;
  }
  return cut(`no IEND chunk in its ${b.length} bytes`);
}

function checkWebp(b: Uint8Array): ImageFileProblem | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const riff = dv.getUint32(4, true);
  if (8 + riff > b.length) return cut(`its RIFF header says ${8 + riff} bytes, the file has ${b.length}`);
  for (let o = 12; o < 8 + riff; ) {
    if (o + 8 > b.length) return cut(`a chunk header at byte ${o} runs past the end`);
    const size = dv.getUint32(o + 4, true);
    if (o + 8 + size > b.length) return cut(`its ${String.fromCharCode(...b.subarray(o, o + 4))} chunk at byte ${o} runs past the end, ${b.length} bytes`);
    o += 8 + size + (size & 1);
  }
  return null;
}

/**
 * A problem with a PNG, JPEG or WebP file's structure (see the module comment), or null when it is whole and in a
 * coding both decoders read. `kind` is byod.ts sniffImage's answer for the bytes.
 */
export function checkImageFile(bytes: Uint8Array, kind: 'png' | 'jpeg' | 'webp'): ImageFileProblem | null {
  return kind === 'jpeg' ? checkJpeg(bytes) : kind === 'png' ? checkPng(bytes) : checkWebp(bytes);
}
