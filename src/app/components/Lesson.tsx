// The first screen's answer: the recorded run's verdict on the paper's three effects (each with its 95% interval and
// one sentence, read from its report.json) beside the controls that start your own run, with the setup in one line
// and, once it has an evaluation, your run's three quantities so far.
import { useMemo } from 'react';
import { formatDuration } from '../eta';
import { liveSummary, liveSummaryText } from '../live-summary';
import { scrollBehavior } from '../media';
import { useThrottled } from '../use-throttled';
import { useEtaBefore } from '../use-eta';
import { useAppStore } from '../store';
import { Controls } from './Controls';
import { VerdictTable } from './VerdictTable';

const RECORDED_REPORT = `${import.meta.env.BASE_URL}runs/cpu/report.html`;

export function Lesson() {
  const recorded = useAppStore((s) => s.recorded);
  const cfg = useAppStore((s) => s.config);
  const { setPanel } = useAppStore.getState();
  const { seconds } = useEtaBefore();
  // Your run's three quantities so far, here on the first screen (the charts are below it), once a second at most.
  const records = useThrottled(useAppStore((s) => s.run.records), 1000);
  const summary = useMemo(() => liveSummary(records), [records]);
  const report = recorded?.finished?.report ?? null;
  const minutes = typeof report?.meta.seconds === 'number' ? ` in ${Math.round(report.meta.seconds / 60)} min` : '';
  return (
    <section className="lesson" data-testid="lesson">
      <div className="card lesson-answer" data-testid="recorded-answer">
        <h2>
          The recorded answer{' '}
          <span className="muted small">
            {report ? `— a run made earlier on ${String(report.meta.backend ?? 'this machine')}${minutes}: ${report.seeds} seeds × ${report.config?.steps ?? '?'} steps, ${report.arms.join(' vs ')} · ` : ''}
            <a href={RECORDED_REPORT}>its full report</a>
          </span>
        </h2>
        {report ? <VerdictTable report={report} testId="recorded-verdict" compact /> : <p className="muted">Loading the recorded run…</p>}
      </div>
      <div className="card lesson-run" data-testid="your-run">
        <h2>Check it yourself</h2>
        <p className="small">
          <strong>{cfg.preset}</strong> setup: {cfg.arms.length} arm{cfg.arms.length === 1 ? '' : 's'} × {cfg.seeds} seed{cfg.seeds === 1 ? '' : 's'} × {cfg.steps.toLocaleString('en-US')} steps, about{' '}
          <span data-testid="eta-summary">{formatDuration(seconds)}</span> here.{' '}
          <a
            href="#setup"
            onClick={(e) => {
              e.preventDefault();
              setPanel('experiment');
              requestAnimationFrame(() => document.querySelector('[data-testid="setup"]')?.scrollIntoView({ behavior: scrollBehavior(), block: 'start' }));
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
                document.querySelector('[data-testid="chart-image-loss"]')?.scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
              }}
            >
              the curves ↓
            </a>
          </p>
        )}
      </div>
    </section>
  );
}
