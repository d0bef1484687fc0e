// The experiment's setup: the pre-trained LM, preset, arms and seeds, and every knob with what it does; the link that
// reproduces it and an estimate of how long it takes here.
import { useState } from 'react';
import { ARMS, PRESETS, type ArmName, type ExperimentConfig } from '../../core/experiment/config';
import { useController } from '../controller-context';
import { etaBefore, formatDuration } from '../eta';
import { folderFiles } from '../files';
import { useAppStore } from '../store';

const ARM_TEXT: Record<ArmName, string> = {
  pretrained: 'the Austen-pre-trained GPT, new rows for image tokens',
  scratch: 'the same GPT from random weights — the blank slate',
  'pretrained-frozen': 'pre-trained body frozen; only embeddings, head and LayerNorms learn',
  'scratch-frozen': 'random body frozen (a control for the frozen arm)',
  'image-only-pretrained': 'pre-trained, images without captions',
  'image-only-scratch': 'random, images without captions',
  'pretrained-mix': 'pre-trained, a quarter of each batch is English (against forgetting)',
};

const PRESET_TEXT: Record<string, string> = {
  smoke: 'seconds: 6 steps, for checking that everything runs',
  cpu: 'the recorded run: 3 seeds × 150 steps, ~30 min on a 2-core CPU with wasm',
  classroom: '1 seed × 600 steps, about 5 min on a laptop GPU',
  replication: '3 seeds × 1,500 steps × all seven arms, about an hour on a laptop GPU',
};

type NumField = 'seeds' | 'steps' | 'batchSize' | 'lr' | 'captionBudget' | 'evalEvery' | 'warmupSteps' | 'mixShare';
const FIELDS: { field: NumField; label: string; min: number; max: number; step: number; help: string }[] = [
  { field: 'seeds', label: 'Seeds', min: 1, max: 10, step: 1, help: 'independent repeats of every arm; bands and intervals come from them' },
  { field: 'steps', label: 'Steps', min: 1, max: 100000, step: 1, help: 'training steps per run' },
  { field: 'batchSize', label: 'Batch', min: 1, max: 512, step: 1, help: 'caption–image sequences per step' },
  { field: 'lr', label: 'Learning rate', min: 1e-6, max: 1, step: 1e-4, help: 'AdamW peak, after warmup, cosine decay to the end' },
  { field: 'warmupSteps', label: 'Warmup', min: 0, max: 10000, step: 1, help: 'steps of linear warmup' },
  { field: 'captionBudget', label: 'Caption budget', min: 4, max: 64, step: 1, help: 'ids kept per caption (longer ones are cut); sets the sequence length' },
  { field: 'evalEvery', label: 'Evaluate every', min: 1, max: 10000, step: 1, help: 'steps between held-out losses, heatmaps and samples' },
  { field: 'mixShare', label: 'English share (mix arm)', min: 0, max: 0.9, step: 0.05, help: 'share of each pretrained-mix batch that is Austen text' },
];

export function Setup({ locked }: { locked: boolean }) {
  const c = useController();
  const cfg = useAppStore((s) => s.config);
  const lm = useAppStore((s) => s.lm);
  const ignored = useAppStore((s) => s.ignoredParams);
  const speed = useAppStore((s) => s.device.speed);
  const { setPreset, setField, toggleArm, setLm } = useAppStore.getState();
  const [lmError, setLmError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const eta = speed ? etaBefore(cfg, speed.tokensPerSecond) : null;
  return (
    <div className="card setup" data-testid="setup">
      <h2>Set up the experiment</h2>
      <fieldset disabled={locked}>
        <div className="row">
          <span className="label">Pre-trained LM</span>
          <label className="choice">
            <input type="radio" name="lm" checked={lm.kind === 'shipped'} onChange={() => setLm({ kind: 'shipped' })} /> shipped: 4 layers, width 128, trained on five Austen novels (perplexity 66.8 on held-out <em>Persuasion</em>)
          </label>
          <label className="choice small">
            or your own GPT-2-layout folder{lm.kind === 'files' ? ` (${lm.name})` : ''}:{' '}
            <input
              type="file"
              {...{ webkitdirectory: '' }}
              multiple
              onChange={async (e) => {
                try {
                  const { name, files } = await folderFiles([...(e.target.files ?? [])]);
                  c.setLmFolder(name, files);
                  setLmError(null);
                } catch (err) {
                  setLmError((err as Error).message);
                }
              }}
            />
          </label>
        </div>
        {lmError && <p className="error">{lmError}</p>}
        <div className="row" role="radiogroup" aria-label="Preset">
          <span className="label">Preset</span>
          {Object.keys(PRESETS).map((p) => (
            <label key={p} className="choice" title={PRESET_TEXT[p]}>
              <input type="radio" name="preset" checked={cfg.preset === p} onChange={() => setPreset(p)} data-testid={`preset-${p}`} /> {p}
            </label>
          ))}
          <label className="choice">
            <input type="radio" name="preset" checked={cfg.preset === 'custom'} readOnly disabled={cfg.preset !== 'custom'} /> custom
          </label>
        </div>
        <p className="muted small">{PRESET_TEXT[cfg.preset] ?? 'your own settings (change any field below)'}</p>
        <div className="arms">
          {ARMS.map((a) => (
            <label key={a} className="choice arm" title={ARM_TEXT[a]}>
              <input type="checkbox" checked={cfg.arms.includes(a)} onChange={() => toggleArm(a)} data-testid={`arm-${a}`} /> <strong>{a}</strong> <span className="muted small">{ARM_TEXT[a]}</span>
            </label>
          ))}
        </div>
        <div className="fields">
          {FIELDS.map((f) => (
            <label key={f.field} className="field">
              <span>{f.label}</span>
              <input type="number" min={f.min} max={f.max} step={f.step} value={cfg[f.field]} onChange={(e) => {
                const v = num(e.target.value, f);
                if (v !== null) setField(f.field, v as ExperimentConfig[NumField]);
              }} />
              <small className="muted">{f.help}</small>
            </label>
          ))}
          <label className="field">
            <span>New rows</span>
            <select value={cfg.rowInit} onChange={(e) => setField('rowInit', e.target.value as ExperimentConfig['rowInit'])}>
              <option value="random">random</option>
              <option value="mean">mean of the text rows</option>
              <option value="aligned">aligned to caption words</option>
            </select>
            <small className="muted">how the pre-trained arm's new image-token embeddings start</small>
          </label>
        </div>
      </fieldset>
      {ignored.length > 0 && <p className="error small">Ignored in the link: {ignored.join('; ')}.</p>}
      <p className="small">
        {cfg.arms.length} arm{cfg.arms.length === 1 ? '' : 's'} × {cfg.seeds} seed{cfg.seeds === 1 ? '' : 's'} = {cfg.arms.length * cfg.seeds} runs of {cfg.steps} steps. Estimated time here:{' '}
        <strong data-testid="eta-before">{formatDuration(eta)}</strong>
        {speed ? <span className="muted"> (at {Math.round(speed.tokensPerSecond).toLocaleString()} tokens/s, {speed.source})</span> : <span className="muted"> (after the first steps)</span>}.{' '}
        <button
          type="button"
          className="link"
          onClick={() => {
            void navigator.clipboard?.writeText(window.location.href).then(() => setCopied(true));
          }}
        >
          {copied ? 'link copied' : 'copy a link to this setup'}
        </button>
      </p>
    </div>
  );
}

function num(raw: string, f: { min: number; max: number; field: NumField }): number | null {
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || v < f.min || v > f.max) return null;
  return f.field === 'lr' || f.field === 'mixShare' ? v : Math.round(v);
}
