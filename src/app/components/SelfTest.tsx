// The self-test card: train a small seeded GPT for a few steps on the running backend and show loss, speed and memory;
// and fault drills that show what the page does when things go wrong (a lost GPU, a NaN in training).
import { useAppStore } from '../store';
import { useGuarded } from '../use-guarded';

interface Props {
  onRun: () => void;
  /** Destroy the WebGPU device (shown only on WebGPU). */
  onLoseDevice: () => void;
  /** Put a NaN into a training run's weights (while one runs or is paused). */
  onInjectNaN: () => Promise<unknown>;
}

export function SelfTest({ onRun, onLoseDevice, onInjectNaN }: Props) {
  const device = useAppStore((s) => s.device);
  const phase = useAppStore((s) => s.run.status?.phase);
  const { error, guard } = useGuarded();
  const r = device.selfTest;
  const median = r ? [...r.stepMs].sort((a, b) => a - b)[Math.floor(r.stepMs.length / 2)] : null;
  return (
    <section className="card">
      <h2>Backend self-test</h2>
      <p className="muted">
        Trains a small GPT (2 layers, width 32) from a fixed seed on a fixed batch. Every backend starts from the same
        weights, so the losses must agree across backends to about 1e-6 — a quick check that this device computes
        correctly.
      </p>
      <button
        type="button"
        onClick={onRun}
        disabled={device.status !== 'ready' || device.selfTestRunning}
        data-testid="self-test-run"
      >
        {device.selfTestRunning ? 'Training…' : 'Run 5 training steps'}
      </button>{' '}
      {device.choice?.backend === 'webgpu' && (
        <button
          type="button"
          className="secondary"
          onClick={onLoseDevice}
          data-testid="lose-device"
          title="Destroy the GPU device as a driver reset would; the page moves to wasm and resumes a run from its checkpoints"
        >
          Simulate losing the GPU
        </button>
      )}
      <button
        type="button"
        className="secondary"
        onClick={guard(onInjectNaN)}
        disabled={phase !== 'running' && phase !== 'paused'}
        data-testid="inject-nan"
        title="Make one run's weights NaN, as a diverging step would: training stops, every run's last good checkpoint is kept and Resume continues from them"
      >
        Simulate a NaN in training
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {device.error && device.status === 'ready' && (
        <p className="error" role="alert">
          {device.error}
        </p>
      )}
      {r && (
        <div data-testid="self-test-result" data-losses={JSON.stringify(r.losses)} data-backend={r.backend}>
          <table className="figures">
            <tbody>
              <tr>
                <th>backend</th>
                <td>{r.backend}</td>
              </tr>
              <tr>
                <th>loss per step</th>
                <td className="mono">{r.losses.map((l) => l.toFixed(6)).join(' → ')}</td>
              </tr>
              <tr>
                <th>grad norm</th>
                <td className="mono">{r.gradNorms.map((g) => g.toFixed(4)).join(', ')}</td>
              </tr>
              <tr>
                <th>step time (median)</th>
                <td>
                  {median!.toFixed(0)} ms · {Math.round((r.tokensPerStep / median!) * 1000).toLocaleString()} tokens/s
                </td>
              </tr>
              <tr>
                <th>tensors before / after</th>
                <td data-testid="tensor-counts" data-before={r.numTensorsBefore} data-after={r.numTensorsAfter}>
                  {r.numTensorsBefore} / {r.numTensorsAfter}{' '}
                  {r.numTensorsBefore === r.numTensorsAfter ? '(no leak)' : '(leak!)'}
                </td>
              </tr>
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
