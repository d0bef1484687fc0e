// Always visible while the page is open: what runs, how fast (trained tokens per second of training time, time per
// training step), how much it holds (tensors, memory), how long is left, and whether the screen is kept awake.
import { etaDuring, formatDuration } from '../eta';
import { finishSeconds } from '../finish-eta';
import { useAppStore } from '../store';

const mb = (b: number) => `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 1 : 0)} MB`;

export const TOKENS_PER_SECOND_HELP =
  'Trained tokens per second of training time: the caption and image tokens the optimizer learns from (padding excluded), over the time of the training steps alone — evaluation and sampling are timed separately.';

export function DeviceStrip() {
  const device = useAppStore((s) => s.device);
  const status = useAppStore((s) => s.run.status);
  const cfg = useAppStore((s) => s.run.meta?.config ?? null);
  const during = status && ['running', 'paused'].includes(status.phase) ? etaDuring(status) : null;
  // The finishing phase (sampling, the quality classifier, the caption analysis) at this run's measured speed.
  const eta =
    during !== null && cfg && status?.tokensPerSecond ? during + finishSeconds(cfg, status.tokensPerSecond) : during;
  return (
    <div className="strip-bar small" data-testid="device-strip" role="status">
      <span>
        backend <strong>{device.choice?.backend ?? device.status}</strong>
        {device.choice?.threads && (
          <span title={device.choice.threads.detail}>
            {' '}
            × {device.choice.threads.count} thread{device.choice.threads.count === 1 ? '' : 's'}
          </span>
        )}
      </span>
      <span data-testid="tokens-per-second" title={TOKENS_PER_SECOND_HELP}>
        {status?.tokensPerSecond
          ? `${Math.round(status.tokensPerSecond).toLocaleString('en-US')} trained tokens/s`
          : 'trained tokens/s —'}
      </span>
      <span title="Training time of one run's step (evaluation excluded)">
        step {status?.stepMs ? `${status.stepMs.toFixed(0)} ms` : '—'}
      </span>
      <span data-testid="tensor-count" data-tensors={status?.numTensors ?? ''}>
        {status ? `${status.numTensors.toLocaleString('en-US')} tensors` : 'tensors —'}
      </span>
      <span>{status ? mb(status.numBytes) : 'memory —'}</span>
      <span
        data-testid="eta"
        title="Steps left at the measured training time per step, plus the evaluations left at the measured time per evaluation, plus the finishing report (sampling, quality classifier, caption analysis) at the measured speed"
      >
        ETA {formatDuration(eta)}
      </span>
      {device.wakeLock && <span title="The screen stays on while training">screen kept awake</span>}
      {device.notice && (
        <span className="error" role="alert" data-testid="device-notice">
          {device.notice}
        </span>
      )}
    </div>
  );
}
