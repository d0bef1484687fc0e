// Always visible while the page is open: what runs, how fast (tokens/s, time per step), how much it holds (tensors,
// memory), how long is left, and whether the screen is kept awake.
import { etaDuring, formatDuration } from '../eta';
import { useAppStore } from '../store';

const mb = (b: number) => `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 1 : 0)} MB`;

export function DeviceStrip() {
  const device = useAppStore((s) => s.device);
  const status = useAppStore((s) => s.run.status);
  const stepMs = status?.roundMs && status.runs ? status.roundMs / status.runs : null;
  const eta = status && ['running', 'paused'].includes(status.phase) ? etaDuring(status.step, status.steps, status.roundMs) : null;
  return (
    <div className="strip-bar small" data-testid="device-strip" role="status">
      <span>
        backend <strong>{device.choice?.backend ?? device.status}</strong>
        {device.choice?.threads && <span title={device.choice.threads.detail}> × {device.choice.threads.count} thread{device.choice.threads.count === 1 ? '' : 's'}</span>}
      </span>
      <span data-testid="tokens-per-second">{status?.tokensPerSecond ? `${Math.round(status.tokensPerSecond).toLocaleString()} tokens/s` : 'tokens/s —'}</span>
      <span>step {stepMs ? `${stepMs.toFixed(0)} ms` : '—'}</span>
      <span data-testid="tensor-count" data-tensors={status?.numTensors ?? ''}>{status ? `${status.numTensors.toLocaleString()} tensors` : 'tensors —'}</span>
      <span>{status ? mb(status.numBytes) : 'memory —'}</span>
      <span data-testid="eta">ETA {formatDuration(eta)}</span>
      {device.wakeLock && <span title="The screen stays on while training">screen kept awake</span>}
      {device.notice && (
        <span className="error" role="alert" data-testid="device-notice">
          {device.notice}
        </span>
      )}
    </div>
  );
}
