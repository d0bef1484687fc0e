/**
 * The recorded run's caption → image samples, read back from its sections.html (the table the core's samplesSection
 * writes: a row of captions, then a row of PNG data URLs per source — real, then each arm), so the Samples panel shows
 * them before any run here. Pure: a string in, captions and image URLs out.
 */

export interface RecordedSamples {
  captions: string[];
  rows: { name: string; urls: string[] }[];
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The samples table of a sections.html, or null when it has none. */
export function parseRecordedSamples(html: string): RecordedSamples | null {
  const start = html.search(/<h2>Samples\b/);
  if (start < 0) return null;
  const table = /<table[^>]*>([\s\S]*?)<\/table>/.exec(html.slice(start));
  if (!table) return null;
  const rows = [...table[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]);
  if (rows.length < 2) return null;
  const captions = [...rows[0].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => unescape(m[1].trim()));
  const sources = rows.slice(1).map((r) => ({
    name: unescape(/<th[^>]*>([\s\S]*?)<\/th>/.exec(r)?.[1]?.trim() ?? ''),
    urls: [...r.matchAll(/<img[^>]*\ssrc="(data:image\/png;base64,[A-Za-z0-9+/=]+)"/g)].map((m) => m[1]),
  }));
  if (!captions.length || sources.some((s) => !s.name || s.urls.length !== captions.length)) return null;
  return { captions, rows: sources };
}
