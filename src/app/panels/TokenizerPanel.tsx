// Tokenizer panel: the shipped VQ-VAE (32×32 image → 8×8 codes from 512) with its reconstructions, training curve
// and code usage; and a tokenizer trained here in the page, with live PSNR, usage and reconstructions.
import { useEffect, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { TOOLTIP_PROPS } from '../charts/tooltip';
import { useController } from '../controller-context';
import { CheckedNumber } from '../components/CheckedNumber';
import { PictureView } from '../components/PictureView';
import { useAppStore } from '../store';

const DIR = `${import.meta.env.BASE_URL}models/vq-twemoji32/`;

interface Shipped {
  metrics: Record<string, number>;
  provenance: Record<string, unknown>;
  curve: { step: number; psnr: number }[];
  usage: { code: number; uses: number }[];
}

async function loadShipped(): Promise<Shipped> {
  const [config, jsonl, usage] = await Promise.all([
    fetch(`${DIR}config.json`).then((r) => r.json()),
    fetch(`${DIR}metrics.jsonl`).then((r) => r.text()),
    fetch(`${DIR}usage.json`).then((r) => r.json()),
  ]);
  const curve = jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number>)
    .filter((m) => m['vq/psnr'] !== undefined)
    .map((m) => ({ step: m.step, psnr: m['vq/psnr'] }));
  const hist = (usage.histogram as number[]).map((uses, code) => ({ code, uses })).sort((a, b) => b.uses - a.uses);
  return { metrics: config.metrics, provenance: config.provenance, curve, usage: hist };
}

export function TokenizerPanel() {
  const c = useController();
  const vq = useAppStore((s) => s.vq);
  const ready = useAppStore((s) => s.device.status === 'ready');
  const [shipped, setShipped] = useState<Shipped | null>(null);
  const [steps, setSteps] = useState(300);
  const [stepsError, setStepsError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadShipped().then(setShipped, (e: Error) => setError(`could not read the shipped tokenizer: ${e.message}`));
  }, []);
  const last = vq?.history[vq.history.length - 1];
  return (
    <section className="panel" data-testid="panel-tokenizer">
      <div className="card">
        <h2>The image tokenizer (shipped)</h2>
        <p className="muted">
          A VQ-VAE turns each 32×32 image into an 8×8 grid of codes from a codebook of 512 — 64 "image tokens" the GPT
          learns to write after a caption. Its decoder turns codes back into pixels.
        </p>
        {shipped && (
          <p data-testid="vq-shipped">
            On the 421 held-out images: <strong>PSNR {shipped.metrics['vq/psnr'].toFixed(2)} dB</strong>, code usage{' '}
            {(100 * shipped.metrics['vq/code_usage']).toFixed(0)}%, perplexity{' '}
            {shipped.metrics['vq/perplexity'].toFixed(0)} of 512. Trained for {String(shipped.provenance.steps)} steps
            on {String(shipped.provenance.trainImages)} Twemoji in {Math.round(Number(shipped.provenance.seconds) / 60)}{' '}
            min ({String(shipped.provenance.backend)}).
          </p>
        )}
        <img
          src={`${DIR}reconstructions.png`}
          alt="32 validation emoji in four rows: rows 1 and 3 are originals, rows 2 and 4 what the decoder rebuilds from their 64 codes"
          className="recon"
          data-testid="vq-reconstructions"
        />
        <p className="muted small">
          Rows 1 and 3: validation originals. Rows 2 and 4, under each: what the decoder rebuilds from their 64 codes —
          shapes and colours come back; fine strokes soften.
        </p>
        {shipped && (
          <div className="two">
            <figure className="chart">
              <figcaption>
                <strong>Training curve</strong> <span className="muted small">validation PSNR, dB</span>
              </figcaption>
              <ResponsiveContainer width="100%" height={180}>
                <LineChart data={shipped.curve}>
                  <CartesianGrid stroke="#eee" />
                  <XAxis dataKey="step" type="number" fontSize={11} />
                  <YAxis domain={['auto', 'auto']} fontSize={11} width={40} />
                  <Tooltip {...TOOLTIP_PROPS} />
                  <Line dataKey="psnr" stroke="#c2410c" dot={false} isAnimationActive={false} />
                </LineChart>
              </ResponsiveContainer>
            </figure>
            <figure className="chart">
              <figcaption>
                <strong>Code usage</strong>{' '}
                <span className="muted small">uses of each code on validation, most used first</span>
              </figcaption>
              <ResponsiveContainer width="100%" height={180}>
                <BarChart data={shipped.usage} barCategoryGap={0}>
                  <XAxis dataKey="code" hide />
                  <YAxis fontSize={11} width={40} />
                  <Tooltip {...TOOLTIP_PROPS} labelFormatter={(code) => `code ${code}`} />
                  <Bar dataKey="uses" fill="#1d4ed8" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </figure>
          </div>
        )}
      </div>
      <div className="card">
        <h2>Train a tokenizer here</h2>
        <p className="muted">
          Trains the same architecture from fresh weights on the dataset chosen in the Data panel (k-means initialised
          codebook, EMA updates, dead-code restarts). The experiment keeps using the shipped tokenizer; this shows how
          one learns. A few hundred steps already give recognisable reconstructions.
        </p>
        <div className="row">
          <label>
            Steps{' '}
            <CheckedNumber
              spec={{ field: 'vqSteps', label: 'Steps', min: 10, max: 5000, integer: true, help: '' }}
              value={steps}
              onCommit={setSteps}
              error={stepsError}
              onError={setStepsError}
              testId="vq-steps"
              width={80}
            />
          </label>
          <button
            type="button"
            disabled={!ready || vq?.running || stepsError !== null}
            data-testid="vq-train"
            onClick={() => c.trainTokenizer(steps).catch((e: Error) => setError(e.message))}
          >
            Train
          </button>
          <button type="button" className="secondary" disabled={!vq?.running} onClick={() => void c.stopTokenizer()}>
            Stop
          </button>
          {last && (
            <span data-testid="vq-live" data-step={last.step}>
              step {last.step} / {vq!.steps}: PSNR {last.psnr.toFixed(2)} dB, usage {(100 * last.usage).toFixed(0)}%,
              perplexity {last.perplexity.toFixed(0)}
              {vq!.running ? '' : ' — done'}
            </span>
          )}
        </div>
        {(error || vq?.error) && (
          <p className="error" role="alert">
            {error ?? vq?.error}
          </p>
        )}
        {vq && vq.history.length > 0 && (
          <div className="two">
            <figure className="chart">
              <figcaption>
                <strong>PSNR and code usage</strong> <span className="muted small">held-out images</span>
              </figcaption>
              <ResponsiveContainer width="100%" height={180}>
                <LineChart data={vq.history.map((h) => ({ ...h, usagePct: 100 * h.usage }))}>
                  <CartesianGrid stroke="#eee" />
                  <XAxis dataKey="step" type="number" fontSize={11} />
                  <YAxis yAxisId="l" domain={['auto', 'auto']} fontSize={11} width={40} />
                  <YAxis yAxisId="r" orientation="right" domain={[0, 100]} fontSize={11} width={36} />
                  <Tooltip {...TOOLTIP_PROPS} />
                  <Legend wrapperStyle={{ fontSize: 11 }} verticalAlign="top" height={22} />
                  <Line
                    yAxisId="l"
                    dataKey="psnr"
                    name="PSNR (dB, left axis)"
                    stroke="#c2410c"
                    dot={false}
                    isAnimationActive={false}
                  />
                  <Line
                    yAxisId="r"
                    dataKey="usagePct"
                    name="code usage (%, right axis)"
                    stroke="#1d4ed8"
                    dot={false}
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            </figure>
            <div>
              <p className="small muted">Held-out originals (top) and their reconstructions (bottom):</p>
              <div className="strip">
                {vq.originals.map((p, i) => (
                  <PictureView key={i} picture={p} scale={2} />
                ))}
              </div>
              <div className="strip">
                {vq.reconstructions.map((p, i) => (
                  <PictureView key={i} picture={p} scale={2} />
                ))}
              </div>
            </div>
          </div>
        )}
      </div>
    </section>
  );
}
