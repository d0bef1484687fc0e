// The first screen's answer, as pictures: one plain sentence built from the recorded report's numbers, the held-out
// image-token loss of both arms along tokens and their difference over the grey "no real difference" band
// (AnswerCharts), and what each arm draws for the same captions beside the real image (FirstSamples); the statistics
// (the verdict table on all three effects) one click away, and below the sentence what the same setup trained 4× longer
// said (the budget axis) and, behind inline buttons, what a frozen body did (the frozen runs) and what images alone and
// an English mix did (the other arms). After Play your run draws over the recorded one on axes
// fitted to your run, its samples replace the recorded ones at each evaluation, and its verdict joins the recorded one.
// Beside it, the controls with the setup in one line and your run's three quantities so far.
import { useMemo, useState } from 'react';
import { METRICS } from '../../core/metrics';
import { buildReport, missingForReport } from '../../core/experiment/report';
import {
  budgetTokens,
  controlSentence,
  finalTokens,
  longerSentence,
  frozenSentence,
  imageOnlySentence,
  mixSentence,
  plainSentence,
  roundTokens,
  tokensPerStep,
} from '../answer-view';
import { formatDuration } from '../eta';
import { liveSummary, liveSummaryText } from '../live-summary';
import { scrollBehavior } from '../media';
import { useThrottled } from '../use-throttled';
import { useEtaBefore } from '../use-eta';
import { useAppStore } from '../store';
import type { DatasetChoice } from '../store/config';
import { AnswerCharts } from './AnswerCharts';
import { Controls } from './Controls';
import { FirstSamples } from './FirstSamples';
import { VerdictTable } from './VerdictTable';

const RECORDED_REPORT = `${import.meta.env.BASE_URL}runs/cpu/report.html`;
const LONGER_REPORT = `${import.meta.env.BASE_URL}runs/budget/report.html`;
const FROZEN_REPORT = `${import.meta.env.BASE_URL}runs/frozen/report.html`;
const OTHERS_REPORT = `${import.meta.env.BASE_URL}runs/other-arms/report.html`;
/** The recorded run trained on Twemoji: its curves are drawn behind a run on the same images only. */
const sameImages = (d: DatasetChoice) => d.kind === 'emoji' && d.style === 'twemoji';

export function Lesson() {
  const recorded = useAppStore((s) => s.recorded);
  const cfg = useAppStore((s) => s.config);
  const meta = useAppStore((s) => s.run.meta);
  const liveSamples = useAppStore((s) => s.run.live);
  const finished = useAppStore((s) => s.run.finished);
  const dataset = useAppStore((s) => s.run.meta?.dataset ?? s.dataset);
  const { setPanel } = useAppStore.getState();
  const byDevice = useAppStore((s) =>
    !s.setupChosen && s.deviceDefault?.preset === s.config.preset ? s.deviceDefault : null,
  );
  const { seconds, finishing: finishingSeconds } = useEtaBefore();
  // Your run's records, once a second at most (the charts and the summary follow them).
  const records = useThrottled(
    useAppStore((s) => s.run.records),
    1000,
  );
  const summary = useMemo(() => liveSummary(records), [records]);
  const report = recorded?.finished?.report ?? null;
  const comparable = sameImages(dataset);
  const view = useMemo(() => {
    if (!recorded) return null;
    const recTokens = finalTokens(recorded.records, METRICS.valImageLoss);
    const recPerStep = tokensPerStep(recorded.records, METRICS.trainImageLoss);
    const recBatch = recorded.finished?.report.config?.batchSize ?? null;
    const planned = meta
      ? budgetTokens(
          meta.config.steps,
          meta.config.batchSize,
          tokensPerStep(records, METRICS.trainImageLoss),
          recPerStep && recBatch ? { perStep: recPerStep, batchSize: recBatch } : null,
        )
      : null;
    return { recTokens, xMax: planned ?? recTokens ?? 1 };
  }, [recorded, meta, records]);
  const sentence = report && view ? plainSentence(report, view.recTokens) : null;
  const control = report ? controlSentence(report) : null;
  const longer = report && recorded?.longer ? longerSentence(report, recorded.longer) : null;
  const frozen = recorded?.frozen ? frozenSentence(recorded.frozen) : null;
  const others = recorded?.others
    ? [imageOnlySentence(recorded.others), mixSentence(recorded.others)].filter(Boolean).join(' ') || null
    : null;
  // The verdict needs only the curves: once training is over it is shown at once, while the report's extras (samples'
  // quality, caption analysis) are still being made; the finished report replaces it.
  const finishing = useAppStore((s) => s.run.status?.phase === 'finishing');
  const early = useMemo(
    // The phase can say 'finishing' a render before the last held-out records have come in: no early verdict until
    // they have (buildReport would throw, and a throw in render is an error React must recover from).
    () => (finishing && !finished && meta && !missingForReport(records) ? buildReport(meta.config, records) : null),
    [finishing, finished, meta, records],
  );
  const yourReport = finished?.report ?? early;
  const yours = yourReport ? plainSentence(yourReport, finalTokens(records, METRICS.valImageLoss)) : null;
  const minutes = typeof report?.meta.seconds === 'number' ? ` in ${Math.round(report.meta.seconds / 60)} min` : '';
  const levelNote =
    meta && report?.config && meta.config.captionLevel !== report.config.captionLevel
      ? ` (the recorded run used caption level ${report.config.captionLevel}, yours ${meta.config.captionLevel})`
      : '';
  return (
    <section className="lesson" data-testid="lesson">
      <div className="card lesson-answer" data-testid="recorded-answer">
        {sentence ? (
          <p className="plain" data-testid="plain-sentence">
            <strong>The answer a recorded run gave:</strong> {sentence}
            {control && <span data-testid="control-sentence"> {control}</span>}
          </p>
        ) : (
          <p className="muted">Loading the recorded run…</p>
        )}
        {sentence && (longer || frozen || others) && (
          <p className="plain small" data-testid="longer-sentence">
            {longer && (
              <>
                {longer} <a href={LONGER_REPORT}>Its report</a>.
              </>
            )}
            {/* The frozen and other arms' runs behind inline buttons, so the pictures below stay on the first screen. */}
            {frozen && <More label="And with the body frozen?" id="frozen" sentence={frozen} href={FROZEN_REPORT} />}
            {others && (
              <More
                label="And with no captions, or English mixed in?"
                id="others"
                sentence={others}
                href={OTHERS_REPORT}
              />
            )}
          </p>
        )}
        {yours && (
          <p className="plain yours" data-testid="your-sentence">
            <strong>Your run:</strong> {yours}
            {early && (
              <span className="muted small">
                {' '}
                (from its curves; the report — the samples' quality and the caption analysis — is still being written)
              </span>
            )}
          </p>
        )}
        {recorded && view && (
          <AnswerCharts
            live={records}
            recorded={comparable ? recorded.records : null}
            xMax={view.xMax}
            margin={report?.margin ?? 0.05}
          />
        )}
        {meta && (
          <p className="muted small" data-testid="answer-recorded-note">
            {comparable
              ? `Dotted: the recorded run, cut to the ${roundTokens(view?.xMax ?? 0)} training tokens your run will reach${levelNote}.`
              : 'The recorded run trained on Twemoji and yours on other images, so it is not drawn: only your run is.'}
          </p>
        )}
        <details className="stats" data-testid="recorded-details">
          <summary>The statistics: the recorded run's verdict on all three effects, with 95% intervals</summary>
          <p className="muted small">
            {report
              ? `A run made earlier on ${String(report.meta.backend ?? 'this machine')}${minutes}: ${report.seeds} seeds × ${report.config?.steps ?? '?'} steps, ${report.arms.join(' vs ')} · `
              : ''}
            <a href={RECORDED_REPORT}>its full report</a>
          </p>
          {report && <VerdictTable report={report} testId="recorded-verdict" compact />}
          {finished && (
            <>
              <h3>Your run</h3>
              <VerdictTable report={finished.report} testId="your-verdict" compact />
            </>
          )}
        </details>
      </div>
      <div className="card lesson-run" data-testid="your-run">
        <h2>Check it yourself</h2>
        <p className="small">
          <strong>{cfg.preset}</strong> setup: {cfg.arms.length} arm{cfg.arms.length === 1 ? '' : 's'} × {cfg.seeds}{' '}
          seed{cfg.seeds === 1 ? '' : 's'} × {cfg.steps.toLocaleString('en-US')} steps, about{' '}
          <span data-testid="eta-summary">{formatDuration(seconds)}</span> here
          {finishingSeconds !== null
            ? `, the last ${formatDuration(finishingSeconds)} of it writing the report`
            : ''}.{' '}
          {byDevice && !meta && (
            <span data-testid="device-default" data-preset={byDevice.preset}>
              {byDevice.sentence}{' '}
            </span>
          )}
          <a
            href="#setup"
            onClick={(e) => {
              e.preventDefault();
              setPanel('experiment');
              requestAnimationFrame(() =>
                document
                  .querySelector('[data-testid="setup"]')
                  ?.scrollIntoView({ behavior: scrollBehavior(), block: 'start' }),
              );
            }}
          >
            Change the setup
          </a>
        </p>
        <Controls />
        {summary && (
          <p className="small" data-testid="live-summary" data-step={summary.step}>
            {liveSummaryText(summary)} ·{' '}
            <a
              href="#charts"
              onClick={(e) => {
                e.preventDefault();
                document
                  .querySelector('[data-testid="chart-image-loss"]')
                  ?.scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
              }}
            >
              all the curves ↓
            </a>
          </p>
        )}
        {yourReport && (
          <p className="small" data-testid="your-verdict-line">
            Your run's verdict on image tokens:{' '}
            <strong>{String((yourReport.effects.image_loss as { verdict?: string }).verdict ?? '—')}</strong> (the
            recorded run: {String((report?.effects.image_loss as { verdict?: string } | undefined)?.verdict ?? '—')}).
            The statistics are under the pictures.
          </p>
        )}
      </div>
      <div className="card lesson-samples">
        <FirstSamples live={liveSamples} recorded={comparable ? (recorded?.samples ?? null) : null} />
      </div>
    </section>
  );
}

/** One more recorded run said behind an inline button (closed at first): `${id}-toggle` opens `${id}-sentence`. */
function More({ label, id, sentence, href }: { label: string; id: string; sentence: string; href: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      {' '}
      <button
        type="button"
        className="link"
        aria-expanded={open}
        data-testid={`${id}-toggle`}
        onClick={() => setOpen(!open)}
      >
        {label}
      </button>
      {open && (
        <span data-testid={`${id}-sentence`}>
          {' '}
          {sentence} <a href={href}>Its report</a>.
        </span>
      )}
    </>
  );
}
