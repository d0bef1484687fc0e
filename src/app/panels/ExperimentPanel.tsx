// Experiment panel: the setup and the live charts — image- and caption-token loss per arm (seeds as mean ± band, the
// recorded cpu run dotted behind, on the same images only), English perplexity, the per-position heatmap, the learning rate (as logged) and the
// gradient norm. Play, pause, step and reset sit on the first screen (Controls, in the Lesson card).
import { METRICS } from '../../core/metrics';
import { ChartLegend, MetricChart } from '../charts/MetricChart';
import { Heatmaps } from '../components/Heatmap';
import { Setup } from '../components/Setup';
import { useController } from '../controller-context';
import { useAppStore } from '../store';
import type { XAxis } from '../charts/series';
import type { DatasetChoice } from '../store/config';

const exp = Math.exp;

function ChartSettings({ comparable }: { comparable: boolean }) {
  const c = useController();
  const ui = useAppStore((s) => s.ui);
  const { setSmoothing, setChart } = useAppStore.getState();
  return (
    <div className="row chart-settings small">
      <label title="Each read-back waits for the device; on a GPU, reading less often trains faster">
        Read back every{' '}
        <select
          value={ui.readEvery ?? 'auto'}
          onChange={(e) => c.setReadEvery(e.target.value === 'auto' ? null : Number(e.target.value))}
          data-testid="read-every"
        >
          <option value="auto">auto</option>
          {[1, 2, 5, 10, 25].map((n) => (
            <option key={n} value={n}>
              {n} step{n === 1 ? '' : 's'}
            </option>
          ))}
        </select>
      </label>
      <label>
        Smoothing{' '}
        <input
          type="range"
          min={0}
          max={0.999}
          step={0.001}
          value={ui.smoothing}
          onChange={(e) => setSmoothing(Number(e.target.value))}
          aria-label="EMA smoothing"
        />{' '}
        {ui.smoothing.toFixed(3)}
      </label>
      <label>
        x axis{' '}
        <select value={ui.xAxis} onChange={(e) => setChart({ xAxis: e.target.value as XAxis })}>
          <option value="step">step</option>
          <option value="tokens">tokens</option>
          <option value="seconds">seconds</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={ui.logX} onChange={(e) => setChart({ logX: e.target.checked })} /> log x
      </label>
      <label>
        <input type="checkbox" checked={ui.logY} onChange={(e) => setChart({ logY: e.target.checked })} /> log y
      </label>
      <label
        title={
          comparable
            ? 'The recorded run (Twemoji), dotted behind yours'
            : 'The recorded run trained on Twemoji; your run uses other images, so its curves are not comparable'
        }
      >
        <input
          type="checkbox"
          checked={ui.showRecorded && comparable}
          disabled={!comparable}
          onChange={(e) => setChart({ showRecorded: e.target.checked })}
          data-testid="show-recorded"
        />{' '}
        recorded cpu run behind
        {!comparable && (
          <span className="muted" data-testid="recorded-hidden">
            {' '}
            (hidden: it trained on Twemoji, this run on other images)
          </span>
        )}
      </label>
    </div>
  );
}

/** The emoji set the recorded cpu run trained on: its curves are drawn behind a run on the same images only. */
const RECORDED_STYLE = 'twemoji';

/** Whether a run on `dataset` can be compared with the recorded run's curves (the same images). */
const sameAsRecorded = (dataset: DatasetChoice) => dataset.kind === 'emoji' && dataset.style === RECORDED_STYLE;

export function ExperimentPanel() {
  const records = useAppStore((s) => s.run.records);
  const heatmap = useAppStore((s) => s.run.heatmap);
  const arms = useAppStore((s) => s.run.meta?.config.arms);
  const locked = useAppStore(
    (s) =>
      (s.run.restored && !s.run.finished) ||
      Boolean(s.run.status && ['preparing', 'running', 'paused', 'finishing'].includes(s.run.status.phase)),
  );
  // The live run's images (or, before one, the chosen images): the recorded Twemoji run is not drawn behind others.
  const dataset = useAppStore((s) => s.run.meta?.dataset ?? s.dataset);
  const comparable = sameAsRecorded(dataset);
  const recordedAll = useAppStore((s) => s.recorded?.records ?? null);
  const recorded = comparable ? recordedAll : null;
  return (
    <section className="panel" data-testid="panel-experiment">
      <Setup locked={locked} />
      <div className="card">
        <ChartSettings comparable={comparable} />
        <ChartLegend arms={arms ?? ['pretrained', 'scratch']} />
        <div className="charts">
          <MetricChart
            testId="chart-image-loss"
            index={0}
            title="Image-token loss"
            unit="nats per token, training batches"
            metric={METRICS.trainImageLoss}
            records={records}
            recorded={recorded}
            hint="The paper: the two arms end level — pre-training does not help on image tokens."
          />
          <MetricChart
            testId="chart-caption-loss"
            index={1}
            title="Caption-token loss"
            unit="nats per token, training batches"
            metric={METRICS.trainTextLoss}
            records={records}
            recorded={recorded}
            hint="The pre-trained arm knows words, so it starts lower. Does the head start vanish (the paper) or last?"
          />
          <MetricChart
            testId="chart-val-image"
            index={2}
            title="Held-out image-token loss"
            unit="nats per token"
            metric={METRICS.valImageLoss}
            records={records}
            recorded={recorded}
          />
          <MetricChart
            testId="chart-val-caption"
            index={3}
            title="Held-out caption-token loss"
            unit="nats per token"
            metric={METRICS.valTextLoss}
            records={records}
            recorded={recorded}
          />
          <MetricChart
            testId="chart-english"
            index={4}
            title="Ordinary English perplexity"
            unit="held-out Persuasion"
            metric={METRICS.valEnglishLoss}
            transform={exp}
            records={records}
            recorded={recorded}
            hint="Forgetting: the pre-trained arm's English gets worse as it learns images."
          />
          <MetricChart
            testId="chart-english-ood"
            index={5}
            title="Out-of-domain English perplexity"
            unit="Moby-Dick"
            metric={METRICS.valEnglishOodLoss}
            transform={exp}
            records={records}
            recorded={recorded}
          />
          <MetricChart
            testId="chart-lr"
            index={6}
            title="Learning rate"
            unit="AdamW, warmup + cosine"
            metric={METRICS.lr}
            records={records}
            recorded={null}
            schedule
          />
          <MetricChart
            testId="chart-grad-norm"
            index={7}
            title="Gradient norm"
            unit="before clipping at 1"
            metric={METRICS.gradNorm}
            records={records}
            recorded={null}
          />
        </div>
        <h3 data-testid="heatmap-section">Image-token loss by position</h3>
        <p className="muted small">
          Held-out loss at each of the 8×8 image-token positions (mean over seeds), from the latest evaluation.
        </p>
        {heatmap ? (
          <Heatmaps byArm={heatmap.byArm} step={heatmap.step} />
        ) : (
          <p className="muted small">Appears at the first evaluation.</p>
        )}
      </div>
    </section>
  );
}
