// The teacher view (`?teacher`, docs/class.md): large type for a projector. It takes result cards dropped or picked,
// any number at a time, adds them as they come, and shows the pooled verdicts — the same buildReport over the union
// of the seeds as `npm run pool` (core/experiment/pool.ts), in a student's own verdict table's words and units
// (verdict-view.ts) — with their intervals, n and the power at this n, the difference curve of every seat (faint)
// under the pooled mean and its 95% interval (bold), each card left out with why — a refused card goes from that list
// once a good card for its seat is pooled, and is named as replaced — and "Export the class report" (report.html, with
// the same "Left out" list). Cards are untrusted: parseCard checks them; React escapes text.
import { useMemo, useState, type DragEvent } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { CardError, MAX_CARD_BYTES, parseCard } from '../../core/experiment/card';
import { reportHtml } from '../../core/experiment/html';
import { unreadCard, type LeftOut } from '../../core/experiment/left-out';
import { poolCards, pooledFrom, pooledReport, seedDiffCurves, type NamedCard } from '../../core/experiment/pool';
import { poolSection } from '../../core/experiment/pool-html';
import type { Report } from '../../core/experiment/report';
import { METRICS } from '../../core/metrics';
import { download } from '../download';
import { effectViews, type EffectView } from '../verdict-view';

/**
 * One effect's row, in the words and units of a student's own verdict table (verdict-view.ts): the verdict, its
 * number with the 95% interval (B as the nats left, C as the perplexity ratio ×), and the report's sentence, which
 * says what the rule read (B reads the head start at step 0, not the gap left at the end).
 */
function VerdictRow({ e }: { e: EffectView }) {
  return (
    <tr data-testid={`class-verdict-${e.name[0]}`}>
      <th>{e.name}</th>
      <td className={`v ${e.verdict.replace(/ /g, '-')}`} data-testid="class-verdict-label">
        {e.verdict}
        {e.detail ? ` — ${e.detail}` : ''}
      </td>
      <td>
        <span data-testid="class-verdict-interval">{e.interval}</span>
        <div className="small muted">
          {e.sentence}
          {e.why ? ` ${e.why}` : ''}
        </div>
      </td>
    </tr>
  );
}

function Curves({ report, records }: { report: Report; records: ReturnType<typeof poolCards>['records'] }) {
  const seats = seedDiffCurves(records, METRICS.valImageLoss);
  const mean = report.effects.image_loss.diffCurve.map((p) => ({
    tokens: p.tokens,
    mean: p.mean,
    band: p.ci95 ? [p.ci95[0], p.ci95[1]] : undefined,
  }));
  return (
    <figure data-testid="class-curves">
      <figcaption>
        Pre-trained − scratch held-out image loss (nats per token) against trained tokens: each seat faint, the class
        mean bold with its 95% interval.
      </figcaption>
      <ResponsiveContainer width="100%" height={360}>
        <ComposedChart margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="tokens" type="number" domain={['dataMin', 'dataMax']} allowDuplicatedCategory={false} />
          <YAxis />
          {seats.map((s) => (
            <Line
              key={s.seed}
              data={s.points}
              dataKey="value"
              stroke="#94a3b8"
              strokeOpacity={0.5}
              dot={false}
              isAnimationActive={false}
            />
          ))}
          <Area data={mean} dataKey="band" stroke="none" fill="#0072B2" fillOpacity={0.2} isAnimationActive={false} />
          <Line data={mean} dataKey="mean" stroke="#0072B2" strokeWidth={4} dot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function TeacherView() {
  const [cards, setCards] = useState<NamedCard[]>([]);
  const [unread, setUnread] = useState<LeftOut[]>([]);
  const [over, setOver] = useState(false);
  const add = async (files: FileList | null) => {
    if (!files) return;
    const got: NamedCard[] = [];
    const bad: LeftOut[] = [];
    for (const f of Array.from(files)) {
      let text: string | undefined;
      try {
        if (f.size > MAX_CARD_BYTES)
          throw new CardError(`${f.name}: ${(f.size / 1e6).toFixed(1)} MB, over the 1 MB a result card may be`);
        text = await f.text();
        got.push({ name: f.name, card: parseCard(text, f.name) });
      } catch (e) {
        bad.push(unreadCard(f.name, e instanceof CardError ? e.message : `${f.name}: ${(e as Error).message}`, text));
      }
    }
    setCards((c) => [...c, ...got]);
    setUnread((u) => [...u, ...bad]);
  };
  const pooled = useMemo(() => poolCards(cards, unread), [cards, unread]);
  const { report, problem } = useMemo(() => {
    if (!pooled.config) return { report: null, problem: null };
    try {
      return { report: pooledReport(pooled), problem: null };
    } catch (e) {
      return { report: null, problem: (e as Error).message };
    }
  }, [pooled]);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void add(e.dataTransfer.files);
  };
  const exportReport = () =>
    report &&
    download(
      `class-${pooled.fingerprint}-report.html`,
      new TextEncoder().encode(reportHtml(report, pooled.records, [poolSection(pooled)])),
      'text/html',
    );
  // A refusal whose seat a pooled card now brings is no longer left out: it is named as replaced instead.
  const left = [...pooled.refused.filter((r) => !r.replacedBy).map((r) => r.message), ...pooled.duplicates];
  const replaced = pooled.refused.filter((r) => r.replacedBy);
  const power = report?.caveats.find((c) => c.startsWith('Power')) ?? null;
  return (
    <div className="page teacher" data-testid="teacher-view">
      <h1>The class&apos;s verdict</h1>
      <p>
        Each student runs one seat of the same setup and presses <b>Share my run</b>; drop their result cards here (any
        number, any time). Cards of another setup are refused, saying what differs.
      </p>
      <label
        className={over ? 'drop over' : 'drop'}
        onDragOver={(e) => (e.preventDefault(), setOver(true))}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        Drop result cards (<code>*.tabula.json</code>) here, or pick them:{' '}
        <input
          type="file"
          multiple
          accept=".json,application/json"
          data-testid="teacher-files"
          onChange={(e) => void add(e.target.files).then(() => (e.target.value = ''))}
        />
      </label>
      <p data-testid="class-n">
        {pooled.fingerprint ? (
          <>
            Setup <code>{pooled.fingerprint}</code>: n = <b>{pooled.seeds.length}</b> seed
            {pooled.seeds.length === 1 ? '' : 's'} from {pooled.used.length} card{pooled.used.length === 1 ? '' : 's'} (
            {pooledFrom(pooled.used)}).
          </>
        ) : (
          'No cards yet.'
        )}
      </p>
      {left.length > 0 && (
        <div className="refused">
          <p>Left out:</p>
          <ul data-testid="class-refused">
            {left.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      {replaced.length > 0 && (
        <p className="small muted" data-testid="class-replaced">
          Replaced:{' '}
          {replaced.map((r) => `${r.name}${r.seat !== null ? ` (seat ${r.seat})` : ''} by ${r.replacedBy}`).join('; ')}.
        </p>
      )}
      {problem && <p className="error">{problem}</p>}
      {report && (
        <>
          <table className="class-verdicts">
            <tbody>
              {effectViews(report).map((e) => (
                <VerdictRow key={e.key} e={e} />
              ))}
            </tbody>
          </table>
          {power && <p data-testid="class-power">{power}</p>}
          <Curves report={report} records={pooled.records} />
          <button type="button" onClick={exportReport} data-testid="class-export">
            Export the class report
          </button>
        </>
      )}
    </div>
  );
}
