// Samples panel: at every evaluation each arm (seed 0) draws the first held-out captions as images next to the real
// ones; before any run here, the recorded run's samples (from its sections.html); type your own caption to see what
// each arm makes of it.
import { useState } from 'react';
import type { SampleSet } from '../../worker/protocol';
import { useController } from '../controller-context';
import { CheckedNumber } from '../components/CheckedNumber';
import { PictureView } from '../components/PictureView';
import type { RecordedSamples } from '../recorded-samples';
import { useAppStore } from '../store';

function RecordedGrid({ samples }: { samples: RecordedSamples }) {
  return (
    <table className="samples recorded-samples" data-testid="samples-recorded">
      <thead>
        <tr>
          <th />
          {samples.captions.map((c, i) => (
            <th key={i} className="small">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {samples.rows.map((r) => (
          <tr key={r.name}>
            <th className="small">{r.name}</th>
            {r.urls.map((u, i) => (
              <td key={i}>
                <img src={u} alt={`${r.name}: ${samples.captions[i]}`} title={`${r.name}: ${samples.captions[i]}`} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SampleGrid({ set, testId }: { set: SampleSet; testId: string }) {
  return (
    <table className="samples" data-testid={testId} data-step={set.step}>
      <thead>
        <tr>
          <th />
          {set.captions.map((c, i) => (
            <th key={i} className="small">
              {set.custom ? `#${i + 1}` : c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {set.rows.map((r) => (
          <tr key={r.name}>
            <th className="small">{r.name}</th>
            {r.pictures.map((p, i) => (
              <td key={i}>
                <PictureView picture={p} scale={3} title={`${r.name}: ${set.captions[i]}`} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SamplesPanel() {
  const c = useController();
  const run = useAppStore((s) => s.run);
  const recorded = useAppStore((s) => s.recorded);
  const [caption, setCaption] = useState('red heart');
  const [temperature, setTemperature] = useState(1);
  const [temperatureError, setTemperatureError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = run.status && ['running', 'paused', 'done'].includes(run.status.phase);
  return (
    <section className="panel" data-testid="panel-samples">
      <div className="card">
        <h2>Caption → image, during training</h2>
        <p className="muted">
          Each arm continues <code>caption &lt;|boi|&gt;</code> with 64 image tokens (sampled at temperature 1, image
          tokens only) and the tokenizer's decoder draws them. Refreshed at every evaluation.
        </p>
        {run.live ? (
          <SampleGrid set={run.live} testId="samples-live" />
        ) : (
          <p className="muted">Your run's samples appear here at its first evaluation.</p>
        )}
        {run.live && (
          <p className="muted small">
            Your run, from step {run.live.step}. Early on both arms draw colour noise; shapes and colours that match the
            caption come later.
          </p>
        )}
      </div>
      {recorded?.samples && (
        <div className="card">
          <h2>The recorded run's samples</h2>
          <p className="muted small">
            The {recorded.label} at its end (seed 0, temperature 1): held-out captions, the real image, then what each
            arm drew.
          </p>
          <RecordedGrid samples={recorded.samples} />
        </div>
      )}
      <div className="card">
        <h2>Your own caption</h2>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            c.sample(caption, 4, temperature)
              .catch((err: Error) => setError(err.message))
              .finally(() => setBusy(false));
          }}
        >
          <input
            type="text"
            value={caption}
            onChange={(e) => setCaption(e.target.value)}
            maxLength={200}
            aria-label="Caption"
            data-testid="custom-caption"
            style={{ minWidth: 260 }}
          />
          <label className="small">
            temperature{' '}
            <CheckedNumber
              spec={{ field: 'temperature', label: 'Temperature', min: 0.1, max: 2, integer: false, help: '' }}
              value={temperature}
              onCommit={setTemperature}
              error={temperatureError}
              onError={setTemperatureError}
              testId="sample-temperature"
              width={60}
            />
          </label>
          <button type="submit" disabled={!live || busy || temperatureError !== null} data-testid="custom-sample">
            {busy ? 'Drawing…' : 'Draw 4 per arm'}
          </button>
        </form>
        {!live && <p className="muted small">Needs a run in this session (running, paused or finished).</p>}
        {error && <p className="error">{error}</p>}
        {run.custom && (
          <>
            <p className="small">
              “{run.custom.captions[0]}” at step {run.custom.step}:
            </p>
            <SampleGrid set={run.custom} testId="samples-custom" />
          </>
        )}
      </div>
    </section>
  );
}
