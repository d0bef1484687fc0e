/** The message a refused bring-your-own dataset gets: the file, the reason, and its first three problems by file and row. */
import type { DataSummary } from '../worker/protocol';

/**
 * "NAME: REASON (N problems: file, row R: message; …)." for a drop whose summary was refused or has no usable image;
 * the first three problems are named, each with its file and (for tabular files) its row.
 */
export function byodRefusal(name: string, summary: Pick<DataSummary, 'refused' | 'problems'>): string {
  const n = summary.problems.length;
  const problems = n
    ? ` (${n} problem${n === 1 ? '' : 's'}: ${summary.problems
        .slice(0, 3)
        .map((p) => `${p.file}${p.row !== undefined ? `, row ${p.row}` : ''}: ${p.message}`)
        .join('; ')})`
    : '';
  return `${name}: ${summary.refused ?? 'no usable image'}${problems}.`;
}
