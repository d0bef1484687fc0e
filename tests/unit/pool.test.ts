// Result cards and pooling (core/experiment/card.ts, pool.ts): a card read back is the card made; cards of one run's
// seeds pooled give exactly that run's report; and every refusal of issue 21 item 4 names the card — another
// setup (saying what differs), a seed given twice (the first kept), a damaged or cut card, a failed checksum, newer
// rules, a card over the size limit, a field no card holds — while a card's strings are escaped in the report.
import { describe, expect, it } from 'vitest';
import {
  CARD_VERSION,
  CardError,
  MAX_CARD_BYTES,
  cardFileName,
  cardRecords,
  checksumOf,
  parseCard,
  type ResultCard,
} from '../../src/core/experiment/card';
import { RULES_VERSION } from '../../src/core/experiment/fingerprint';
import { leftOutList, unreadCard } from '../../src/core/experiment/left-out';
import { classSetup, effectLine, poolCards, pooledFrom, pooledReport } from '../../src/core/experiment/pool';
import { poolSection } from '../../src/core/experiment/pool-html';
import { buildReport } from '../../src/core/experiment/report';
import type { MetricRecord } from '../../src/core/experiment/runner';
import { all, cfg, quality, seatCard } from './helpers/class-cards';

const text = (c: unknown) => JSON.stringify(c);
const named = (c: ResultCard, name = cardFileName(c)) => ({ name, card: parseCard(text(c), name) });

describe('result cards', () => {
  it('reads back exactly what was made, held-out records only, named <fingerprint>-seat<k>.tabula.json', () => {
    const c = seatCard(2);
    expect(cardFileName(c)).toBe(`${c.fingerprint}-seat2.tabula.json`);
    const back = parseCard(text(c), 'x');
    expect(back).toEqual(c);
    const want = all
      .filter((r) => r.seed === 2 && (r.metric.startsWith('val/') || r.metric.startsWith('diag/')))
      .map(({ wallTime: _w, ...r }: MetricRecord) => r);
    expect(cardRecords(back)).toEqual(want);
    expect(back.seeds).toEqual([2]);
    expect(back.step).toBe(120);
    expect(back.quality!.perSeed.pretrained).toEqual([{ seed: 2, accuracy: 0.2, frechet: 3 }]);
    expect(text(c).length).toBeLessThan(MAX_CARD_BYTES);
  });

  it('pooled, cards of single seeds give the numbers of one run over the same seeds', () => {
    const pooled = poolCards([2, 0, 3, 1].map((s) => named(seatCard(s))));
    expect(pooled.refused).toEqual([]);
    expect(pooled.seeds).toEqual([0, 1, 2, 3]);
    const report = pooledReport(pooled);
    const held = all.filter((r) => r.metric.startsWith('val/'));
    const one = buildReport(cfg, held, { quality: { ...quality, perArm: {} } });
    expect(report.effects).toEqual(one.effects);
    expect(report.otherArms).toEqual(one.otherArms);
    expect(report.quality!.byArm).toEqual(one.quality!.byArm);
    expect(report.seeds).toBe(4);
    expect(report.notes[0]).toBe(`Pooled from 4 result cards of setup ${pooled.fingerprint} (seeds 0, 1, 2, 3).`);
  });

  it('refuses a card of another setup, naming it and what differs', () => {
    const other = seatCard(1, { config: { captionLevel: 'L4' } });
    const p = poolCards([
      named(seatCard(0), 'ana.tabula.json'),
      named(other, 'ben.tabula.json'),
      named(seatCard(2), 'cy.tabula.json'),
    ]);
    expect(p.refused.map((r) => r.message)).toEqual([
      `ben.tabula.json (a page card, seat 1, tfjs/wasm): another setup (fingerprint ${other.fingerprint}, not ${p.fingerprint} of ana.tabula.json (a page card, seat 0, tfjs/wasm)): caption level L4 vs L2; pool it with the cards of its own setup`,
    ]);
    expect(p.seeds).toEqual([0, 2]);
    expect(pooledReport(p).notes).toContain(`Refused ${p.refused[0].message}`);
  });

  it('says where each card of a refusal was made, and that page and command-line cards do not pool', () => {
    const cli = seatCard(1, { seat: null, origin: 'cli', config: { captionLevel: 'L4' } });
    const p = poolCards([named(seatCard(0), 'ana'), named(cli, 'run1'), named(seatCard(2), 'cy')]);
    expect(p.refused.map((r) => r.message)).toEqual([
      `run1 (a command-line card, tfjs/wasm): another setup (fingerprint ${cli.fingerprint}, not ${p.fingerprint} of ana (a page card, seat 0, tfjs/wasm)): caption level L4 vs L2; pool it with the cards of its own setup (the page and the command line give one setup different fingerprints: pool page cards with page cards, docs/class.md)`,
    ]);
    // A version-1 card (before `origin`) is still read; without a seat it cannot say where it was made.
    const { origin: _o, checksum: _c, ...rest } = seatCard(3, { seat: null, config: { captionLevel: 'L4' } });
    const v1 = { ...rest, version: 1 };
    const old = named({ ...v1, checksum: checksumOf(v1) } as ResultCard, 'old');
    expect(old.card.origin).toBeUndefined();
    const q = poolCards([named(seatCard(0), 'ana'), named(seatCard(1), 'ben'), old]);
    expect(q.refused[0].message).toMatch(
      /^old \(a card from the page or the command line \(it does not say\), tfjs\/wasm\): another setup .* of ana \(a page card, seat 0, tfjs\/wasm\)\): caption level L4 vs L2; pool it with the cards of its own setup$/,
    );
  });

  it('takes the setup most seeds share, so a stray card handed in first is the one refused', () => {
    const stray = seatCard(3, { config: { captionLevel: 'L4' } });
    const cards = [named(stray, 'old.tabula.json'), ...[0, 1].map((s) => named(seatCard(s), `s${s}.tabula.json`))];
    expect(classSetup(cards)).toBe(seatCard(0).fingerprint);
    const p = poolCards(cards);
    expect(p.fingerprint).toBe(seatCard(0).fingerprint);
    expect(p.seeds).toEqual([0, 1]);
    expect(p.refused.map((r) => r.message)).toEqual([
      `old.tabula.json (a page card, seat 3, tfjs/wasm): another setup (fingerprint ${stray.fingerprint}, not ${p.fingerprint} of s0.tabula.json (a page card, seat 0, tfjs/wasm)): caption level L4 vs L2; pool it with the cards of its own setup`,
    ]);
    // A tie goes to the setup that came first; copies of one seed count once.
    expect(classSetup(cards.slice(0, 2))).toBe(stray.fingerprint);
    expect(classSetup([cards[0], cards[1], cards[1]])).toBe(stray.fingerprint);
    expect(classSetup([])).toBeNull();
  });

  it("says who the seeds came from: seats in the cards' order, then the command line's seeds", () => {
    const cli = seatCard(3, { seat: null });
    const p = poolCards([named(seatCard(2)), named(cli), named(seatCard(0))]);
    expect(pooledFrom(p.used)).toBe('seats 2, 0; command-line seed 3');
    expect(pooledFrom(poolCards([named(cli)]).used)).toBe('command-line seed 3');
    expect(pooledFrom([])).toBe('');
  });

  it('keeps the first card of a seed given twice and tells the copies apart: when made, last step, checksum', () => {
    // Seat 1 shared twice: mid-run at step 60, then at the end.
    const early = seatCard(1, {
      made: '2026-01-01T09:00:00.000Z',
      records: all.filter((r) => r.seed === 1 && r.step <= 60),
    });
    const late = seatCard(1, { made: '2026-01-01T09:30:00.000Z' });
    const p = poolCards([named(seatCard(0), 'ana'), named(early, 'ben'), named(late, 'ben (1)')]);
    expect(p.duplicates).toEqual([
      `ben (1) (made 2026-01-01T09:30:00.000Z, last step 120, checksum ${late.checksum.slice(0, 8)}): seed 1 (seat 1) is already pooled from ben (made 2026-01-01T09:00:00.000Z, last step 60, checksum ${early.checksum.slice(0, 8)}); kept ben's`,
    ]);
    expect(p.used.map((u) => u.name)).toEqual(['ana', 'ben']);
    // The same file given twice: said to be an identical copy.
    const same = poolCards([named(late, 'a/x.tabula.json'), named(late, 'b/x.tabula.json')]);
    expect(same.duplicates).toEqual([
      `b/x.tabula.json: seed 1 (seat 1) is already pooled from a/x.tabula.json, an identical copy (made 2026-01-01T09:30:00.000Z, last step 120, checksum ${late.checksum.slice(0, 8)}); kept a/x.tabula.json's`,
    ]);
  });

  it('lists every card left out — unread ones too — and marks a refusal replaced once a card for its seat is pooled', () => {
    const l4 = seatCard(1, { config: { captionLevel: 'L4' } });
    const cut = unreadCard(
      `${l4.fingerprint}-seat2.tabula.json`,
      `${l4.fingerprint}-seat2.tabula.json: damaged or cut short, not a whole card; share it again from the run`,
    );
    const before = poolCards([named(seatCard(0), 'ana'), named(seatCard(3), 'dee'), named(l4, 'ben')], [cut]);
    expect(before.refused.map((r) => [r.name, r.seat, r.seeds, r.replacedBy])).toEqual([
      [cut.name, 2, [], undefined],
      ['ben', 1, [1], undefined],
    ]);
    // Good cards for seats 1 and 2 come in: both refusals are now replaced, and the report says so.
    const after = poolCards(
      [
        named(seatCard(0), 'ana'),
        named(seatCard(3), 'dee'),
        named(l4, 'ben'),
        named(seatCard(1), 'ben2'),
        named(seatCard(2), 'cy'),
      ],
      [cut],
    );
    expect(after.refused.map((r) => r.replacedBy)).toEqual(['cy', 'ben2']);
    expect(cut.replacedBy).toBeUndefined(); // the caller's list is not changed
    const lines = leftOutList(after);
    expect(lines).toEqual([
      `Refused ${cut.message} — replaced by cy`,
      `Refused ${after.refused[1].message} — replaced by ben2`,
    ]);
    expect(pooledReport(after).meta.pooled).toMatchObject({ leftOut: lines });
    expect(poolSection(after)).toContain(
      `<h3>Left out</h3><ul class="left-out"><li>Refused ${cut.message} — replaced by cy</li>`,
    );
    // A refusal that claims no seat is never replaced.
    expect(
      poolCards([named(seatCard(0))], [unreadCard('notes.txt', 'notes.txt: not a Tabula result card')]).refused[0]
        .replacedBy,
    ).toBeUndefined();
  });

  it('pools a card shared before its run finished: its losses count, the quality figure covers the other seeds only', () => {
    const mid = seatCard(0, { unfinished: true, records: all.filter((r) => r.seed === 0 && r.step <= 60) });
    expect([mid.quality, mid.valImages, mid.step]).toEqual([null, null, 60]);
    const p = poolCards([named(mid, 'mid'), named(seatCard(1), 'ben'), named(seatCard(2), 'cy')]);
    expect(p.seeds).toEqual([0, 1, 2]);
    expect(p.noQuality).toEqual(['mid']);
    const report = pooledReport(p);
    expect(report.meta.valImages).toBe(96); // from the first card that has it, not the first card
    expect(report.quality!.byArm.pretrained.seeds).toEqual([1, 2]);
    expect(report.notes).toContain(
      '1 pooled card was shared before its run finished (mid): its held-out losses count in the verdicts up to the step it reached, but it holds no quality figure, so the quality figure covers only the seeds of the other 2 cards.',
    );
    const none = pooledReport(poolCards([named(mid, 'mid')]));
    expect(none.quality).toBeNull();
    expect(none.notes.join(' ')).toContain('so the report has no quality figure');
  });

  it("reads an unread card's seat or seeds from its file name, else from its text, and nothing else", () => {
    expect(unreadCard('abc-seat7.tabula.json', 'm')).toEqual({
      name: 'abc-seat7.tabula.json',
      seat: 7,
      seeds: [],
      message: 'm',
    });
    expect(unreadCard('d/abc-seed4.tabula.json', 'm').seeds).toEqual([4]);
    expect(unreadCard('abc-seeds2-4.tabula.json', 'm').seeds).toEqual([2, 3, 4]);
    expect(unreadCard('card (1).json', 'm', '{"seat": 5, "seeds": [5], "format": "x"}')).toMatchObject({
      seat: 5,
      seeds: [5],
    });
    expect(unreadCard('card.json', 'm', '{"seat": "5", "seeds": [1.5]}')).toMatchObject({ seat: null, seeds: [] });
    expect(unreadCard('card.json', 'm', '{"seat": 5')).toMatchObject({ seat: null, seeds: [] });
  });

  it('prints an effect once: the sentence, which opens with its verdict and detail', () => {
    const sentence = 'Not reproduced — pre-training hurt: the loss is higher by more than 0.05 nats at 100%.';
    expect(effectLine({ verdict: 'not reproduced', detail: 'hurt', sentence })).toBe(sentence);
    expect(effectLine({ verdict: 'inconclusive', detail: null, sentence: 'The gap is 0.1 nats.' })).toBe(
      'inconclusive: The gap is 0.1 nats.',
    );
  });

  it('refuses a damaged or cut card, a failed checksum, newer rules, a newer layout, an oversize card, a field no card holds', () => {
    const c = seatCard(0);
    const t = text(c);
    const refusal = (s: string) => {
      try {
        parseCard(s, 'seat0.tabula.json');
      } catch (e) {
        expect(e).toBeInstanceOf(CardError);
        return (e as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal(t.slice(0, t.length - 40))).toMatch(/^seat0\.tabula\.json: damaged or cut short, not a whole card/);
    const edited = {
      ...c,
      records: {
        ...c.records,
        rows: c.records.rows.map((r, i) => (i === 3 ? ([r[0], r[1], r[2], r[3], r[4], 1.5] as typeof r) : r)),
      },
    };
    expect(refusal(text(edited))).toMatch(
      /^seat0\.tabula\.json: its checksum fails — the card was changed or damaged after it was made/,
    );
    expect(refusal(text({ ...c, rules: RULES_VERSION + 1 }))).toBe(
      `seat0.tabula.json: made under newer verdict rules (version ${RULES_VERSION + 1}; this copy has ${RULES_VERSION}); update this copy, then pool again`,
    );
    expect(refusal(text({ ...c, version: CARD_VERSION + 1 }))).toMatch(
      new RegExp(`^seat0\\.tabula\\.json: made by a newer Tabula \\(card version ${CARD_VERSION + 1}`),
    );
    expect(refusal(' '.repeat(MAX_CARD_BYTES + 1))).toMatch(
      /^seat0\.tabula\.json: 1\.0 MB, over the 1 MB a result card may be/,
    );
    const extra = { ...c, script: 'alert(1)' };
    expect(refusal(text({ ...extra, checksum: checksumOf(extra as unknown as ResultCard) }))).toBe(
      'seat0.tabula.json: damaged (card.script: a field a card never holds); share it again from the run',
    );
    const badRow = { ...c, records: { ...c.records, rows: [[0, 0, 0, 0, 0, { x: 1 }]] } };
    expect(refusal(text({ ...badRow, checksum: checksumOf(badRow as unknown as ResultCard) }))).toBe(
      'seat0.tabula.json: damaged (card.records.rows[0][5]: expected a finite number); share it again from the run',
    );
    const lied = { ...c, fingerprint: '0123456789ab' };
    expect(refusal(text({ ...lied, checksum: checksumOf(lied) }))).toMatch(
      /^seat0\.tabula\.json: its fingerprint 0123456789ab is not its setup's/,
    );
    expect(refusal('{"format":"something-else"}')).toMatch(/not a Tabula result card/);
  });

  it("escapes a card's strings in the pooled report, the Left out list's too", () => {
    const c = seatCard(0, { engine: '<script>alert(1)</script>' });
    const stray = seatCard(1, { engine: '<b>x</b>', config: { captionLevel: 'L4' } });
    const html = poolSection(
      poolCards(
        [named(c, '<img src=x onerror=alert(1)>.tabula.json'), named(stray, '<i>s</i>')],
        [unreadCard('<svg onload=alert(1)>', '<svg onload=alert(1)>: damaged')],
      ),
    );
    expect(html).toContain('<h3>Left out</h3>');
    expect(html).not.toMatch(/<script|<img|<svg|<b>|<i>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Refused &lt;svg onload=alert(1)&gt;: damaged');
    expect(html).toContain('Refused &lt;i&gt;s&lt;/i&gt; (a page card, seat 1, &lt;b&gt;x&lt;/b&gt;/wasm)');
  });
});
