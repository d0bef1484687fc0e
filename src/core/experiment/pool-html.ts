/**
 * The pooled report's own section (report.html of `npm run pool` and the teacher view's export): which cards were
 * pooled — seat, seeds, the step each reached, engine and backend — and the cards left out: refused (with why, and
 * by which card when one replaced it) or repeated. Every string from a card is escaped (cards are untrusted input).
 */
import { leftOutList } from './left-out';
import type { Pooled } from './pool';
import { esc } from './svg';

export function poolSection(p: Pooled): string {
  const rows = p.used
    .map(
      (u) =>
        `<tr><td>${esc(u.name)}</td><td>${u.seat ?? '—'}</td><td>${u.seeds.join(', ')}</td><td>${u.step}</td><td>${esc(u.engine)} / ${esc(u.backend)}</td></tr>`,
    )
    .join('');
  const left = leftOutList(p);
  return `<h2>Pooled cards</h2><p>Setup fingerprint <code>${esc(p.fingerprint ?? 'none')}</code>: ${p.used.length} card${p.used.length === 1 ? '' : 's'}, ${p.seeds.length} seed${p.seeds.length === 1 ? '' : 's'}. A seat stopped early is paired with the others at the budgets it reached (the rules read the curves at equal tokens).</p>
<table class="num"><tr><th>card</th><th>seat</th><th>seeds</th><th>last step</th><th>engine / backend</th></tr>${rows}</table>${left.length ? `<h3>Left out</h3><ul class="left-out">${left.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''}`;
}
