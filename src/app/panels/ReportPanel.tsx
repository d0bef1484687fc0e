// Report panel: the verdict on each of the paper's three effects with its numbers — the recorded run's always, labelled,
// and beside it your run's once it finishes (an undecided verdict says why) — the quality of generated images, and
// exports: report HTML, metrics CSV, charts PNG and each run's weights as a GPT-2-layout checkpoint with its tokenizer.
import { useState } from 'react';
import { LEVELS } from '../../core/data/captions';
import { reportCharts } from '../../core/experiment/html';
import type { Quality } from '../../worker/protocol';
import { qualityCaveat } from '../analysis-text';
import { VerdictTable } from '../components/VerdictTable';
import { reportSetup } from '../verdict-view';
import { useController } from '../controller-context';
import { useGuarded } from '../use-guarded';
import { download } from '../download';
import { useAppStore } from '../store';

/** The report's SVG charts drawn onto one canvas, two per row, as a PNG. */
async function chartsPng(svgs: string[]): Promise<Uint8Array> {
  const images = await Promise.all(
    svgs.map(
      (svg) =>
        new Promise<HTMLImageElement>((res, rej) => {
          const img = new Image();
          img.onload = () => res(img);
          img.onerror = () => rej(new Error('a chart could not be drawn'));
          img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
        }),
    ),
  );
  const w = Math.max(...images.map((i) => i.width));
  const h = Math.max(...images.map((i) => i.height));
  const canvas = document.createElement('canvas');
  canvas.width = 2 * w;
  canvas.height = Math.ceil(images.length / 2) * h;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  images.forEach((img, i) => ctx.drawImage(img, (i % 2) * w, Math.floor(i / 2) * h));
  const blob = await new Promise<Blob>((res, rej) =>
    canvas.toBlob((b) => (b ? res(b) : rej(new Error('PNG encoding failed'))), 'image/png'),
  );
  return new Uint8Array(await blob.arrayBuffer());
}

/** The quality figure of one report, or why it says nothing yet (a classifier no better than twice chance). */
function QualityLine({ quality, who, id }: { quality: Quality; who: string; id: string }) {
  const caveat = qualityCaveat(quality);
  return (
    <p className="small" data-testid={`quality-${id}`}>
      <strong>Image quality ({who}):</strong>{' '}
      {caveat ?? (
        <>
          {quality.samples} generated images per arm, judged by a category classifier that gets{' '}
          {(100 * quality.classifierValAccuracy).toFixed(1)}% of real held-out images right:{' '}
          {Object.entries(quality.perArm)
            .map(
              ([arm, q]) =>
                `${arm} ${(100 * q.accuracy).toFixed(1)}% recognised, Fréchet distance ${q.frechet.toFixed(2)}`,
            )
            .join('; ')}
          .
        </>
      )}
    </p>
  );
}

export function ReportPanel() {
  const c = useController();
  const run = useAppStore((s) => s.run);
  const recorded = useAppStore((s) => s.recorded);
  const { error, guard } = useGuarded();
  const [target, setTarget] = useState('');
  const recordedReport = recorded?.finished?.report ?? null;
  const mine = run.finished?.report ?? null;
  const runKeys = run.meta
    ? run.meta.config.arms.flatMap((a) => Array.from({ length: run.meta!.config.seeds }, (_, s) => `${a}/${s}`))
    : [];
  const chosen = target || runKeys[0] || '';
  const records = run.records.length ? run.records : (recorded?.records ?? []);
  return (
    <section className="panel" data-testid="panel-report">
      <div className="card">
        <h2>Verdict</h2>
        <p className="muted small">
          Intervals are 95% t-intervals across seeds; with one seed there is no interval, so a verdict reads
          “inconclusive” and says why.
        </p>
        <div className="verdicts">
          <section data-testid="verdict-recorded">
            <h3>
              The recorded run{' '}
              <span className="muted small">— {recordedReport ? reportSetup(recordedReport) : 'loading…'}</span>
            </h3>
            {recordedReport && <VerdictTable report={recordedReport} testId="verdict" />}
            {recorded?.finished?.quality && (
              <QualityLine quality={recorded.finished.quality} who="recorded run" id="recorded" />
            )}
          </section>
          <section data-testid="verdict-yours">
            <h3>
              Your run{' '}
              <span className="muted small">
                —{' '}
                {mine
                  ? reportSetup(mine)
                  : run.meta
                    ? 'the verdict appears here when it finishes'
                    : 'press Play: its verdict appears here, beside the recorded one'}
              </span>
            </h3>
            {mine && <VerdictTable report={mine} testId="verdict-mine" />}
            {run.finished?.quality && <QualityLine quality={run.finished.quality} who="your run" id="mine" />}
          </section>
        </div>
      </div>
      <div className="card">
        <h2>Export</h2>
        <div className="row">
          <button
            type="button"
            data-testid="export-csv"
            disabled={!run.records.length}
            onClick={guard(() => c.exportCsv())}
          >
            Metrics CSV
          </button>
          <button
            type="button"
            data-testid="export-tensorboard"
            disabled={!run.records.length}
            onClick={guard(() => c.exportTensorBoard())}
            title="TensorBoard event files, one run per arm and seed: unzip, then tensorboard --logdir"
          >
            TensorBoard
          </button>
          <button
            type="button"
            data-testid="export-html"
            disabled={!run.finished}
            onClick={guard(() => c.exportReport())}
          >
            Report HTML
          </button>
          <button
            type="button"
            data-testid="export-png"
            disabled={!records.length}
            onClick={guard(async () => download('charts.png', await chartsPng(reportCharts(records)), 'image/png'))}
          >
            Charts PNG
          </button>
          <span className="row">
            <select
              value={chosen}
              onChange={(e) => setTarget(e.target.value)}
              aria-label="Run to export"
              disabled={!runKeys.length}
            >
              {runKeys.map((k) => (
                <option key={k} value={k}>
                  {k.replace('/', ', seed ')}
                  {run.checkpoints[k] !== undefined ? ` (checkpoint at step ${run.checkpoints[k]})` : ''}
                </option>
              ))}
            </select>
            <button
              type="button"
              data-testid="export-checkpoint"
              disabled={!chosen}
              onClick={guard(() => c.exportCheckpoint(chosen.split('/')[0], Number(chosen.split('/')[1])))}
            >
              Weights (safetensors, zip)
            </button>
          </span>
        </div>
        <p className="muted small">
          {run.records.length ? '' : 'Exports of this run appear once it has metrics. '}The recorded run's files:{' '}
          <a href={`${import.meta.env.BASE_URL}runs/cpu/report.html`}>report.html</a> ·{' '}
          <a href={`${import.meta.env.BASE_URL}runs/cpu/metrics.csv`}>metrics.csv</a>. Weights load with{' '}
          <code>npm run lm-eval</code> or Hugging Face's GPT-2 classes.
        </p>
        <p className="muted small" data-testid="more-recorded">
          More recorded runs: <a href={`${import.meta.env.BASE_URL}runs/budget/report.html`}>the budget axis</a> (the
          cpu setup at 4× the steps, 5 seeds) ·{' '}
          <a href={`${import.meta.env.BASE_URL}runs/frozen/report.html`}>the frozen body</a> (and its shuffled control,
          5 seeds) ·{' '}
          <a href={`${import.meta.env.BASE_URL}runs/other-arms/report.html`}>no captions and an English mix</a> (the
          image-only pair and pretrained-mix, 5 seeds) · the caption level as an axis, cpu setup, 5 seeds (L2: the
          recorded run's 10) at{' '}
          {LEVELS.map((level, i) => (
            <span key={level}>
              {i ? ' · ' : ''}
              {/* L2 is the recorded run itself (10 seeds). */}
              <a href={`${import.meta.env.BASE_URL}runs/${level === 'L2' ? 'cpu' : `levels-cpu/${level}`}/report.html`}>
                {level}
              </a>
            </span>
          ))}{' '}
          · <a href={`${import.meta.env.BASE_URL}runs/class-lesson/report.html`}>a class</a> (10 seats of the lesson
          pooled) · with the earlier Austen-only LM:{' '}
          <a href={`${import.meta.env.BASE_URL}runs/cpu-austen/report.html`}>the former recorded run</a> (3 seeds) ·{' '}
          <a href={`${import.meta.env.BASE_URL}runs/arms/report.html`}>the other arms</a> (frozen body, image-only,
          English mix; 3 seeds × 200 steps) · the caption level as an axis, lesson setup at{' '}
          {LEVELS.map((level, i) => (
            <span key={level}>
              {i ? ' · ' : ''}
              <a href={`${import.meta.env.BASE_URL}runs/levels/${level}/report.html`}>{level}</a>
            </span>
          ))}
          .
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
    </section>
  );
}
