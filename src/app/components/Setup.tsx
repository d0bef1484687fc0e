// The experiment's setup: the pre-trained LM (a picked folder is read at once and refused with the reason), preset
// (saying what it will overwrite), arms and seeds (each arm with the learning rate it trains at), and every knob — typed freely, checked when committed (Enter or
// leaving the field) with the message beside it; the memory it needs here, the link that reproduces it, and an
// estimate of how long it takes.
import { useState } from 'react';
import { estimateMemory, memoryLine } from '../../core/experiment/memory';
import { ARMS, PRESETS, lrFor, type ArmName, type ExperimentConfig } from '../../core/experiment/config';
import { useController } from '../controller-context';
import { formatDuration } from '../eta';
import { folderFiles } from '../files';
import { FIELDS, presetChanges, type FieldSpec } from '../setup-check';
import { CheckedNumber } from './CheckedNumber';
import { useAppStore } from '../store';
import { useEtaBefore } from '../use-eta';
import { TOKENS_PER_SECOND_HELP } from './DeviceStrip';

const ARM_TEXT: Record<ArmName, string> = {
  pretrained: 'the GPT pre-trained on English, new rows for image tokens',
  scratch: 'the same GPT from random weights — the blank slate',
  'pretrained-frozen': 'pre-trained body frozen; only embeddings, head and LayerNorms learn',
  'scratch-frozen': 'random body frozen (a control for the frozen arm)',
  'image-only-pretrained': 'pre-trained, images without captions',
  'image-only-scratch': 'random, images without captions',
  'pretrained-mix': 'pre-trained, a quarter of each batch is English (against forgetting)',
  'pretrained-shuffled':
    'pre-trained weights shuffled within each matrix: their scale without their knowledge (a control)',
  'pretrained-shuffled-frozen': 'the shuffled weights, body frozen: the same control for the frozen arm',
};

const PRESET_TEXT: Record<string, string> = {
  smoke: 'seconds: 6 steps, for checking that everything runs',
  cpu: 'the recorded run: 10 seeds × 450 steps, pretrained, scratch and the shuffled control at their swept rates — 2.5 h on a 2-core CPU with PyTorch (replicate --engine torch), several hours in a browser',
  lesson: `the lesson: the recorded setup cut to ${PRESETS.lesson.steps} steps, 3 seeds, minutes on a CPU — too short for the recorded run's sizes: pre-training's lead this early is several times the long run's`,
  classroom: '1 seed × 600 steps, about 5 min on a laptop GPU',
  replication: '3 seeds × 1,500 steps × all nine arms, about an hour on a laptop GPU',
};

/** A setup field: its refusal is kept in the store, so Play waits until it is fixed. */
function NumberField({ f }: { f: FieldSpec }) {
  const value = useAppStore((s) => s.config[f.field]);
  const error = useAppStore((s) => s.fieldErrors[f.field] ?? null);
  const { setField, setFieldError } = useAppStore.getState();
  return (
    <label className="field" htmlFor={`field-${f.field}`}>
      <span>{f.label}</span>
      <CheckedNumber
        spec={f}
        value={value}
        error={error}
        onError={(m) => setFieldError(f.field, m)}
        onCommit={(v) => setField(f.field, v as ExperimentConfig[typeof f.field])}
        testId={`field-${f.field}`}
        help={`${f.help} (${f.min}–${f.max})`}
      />
    </label>
  );
}

function Presets() {
  const cfg = useAppStore((s) => s.config);
  const { setPreset } = useAppStore.getState();
  const [asking, setAsking] = useState<string | null>(null);
  const [changed, setChanged] = useState<{ preset: string; changes: string[] } | null>(null);
  const apply = (p: string) => {
    const changes = presetChanges(cfg, PRESETS[p]);
    setPreset(p);
    setAsking(null);
    setChanged({ preset: p, changes });
  };
  const pending = asking ? presetChanges(cfg, PRESETS[asking]) : [];
  return (
    <>
      <div className="row" role="radiogroup" aria-label="Preset">
        <span className="label">Preset</span>
        {Object.keys(PRESETS).map((p) => {
          const changes = presetChanges(cfg, PRESETS[p]);
          return (
            <label
              key={p}
              className="choice"
              title={`${PRESET_TEXT[p]}${changes.length ? `. Would set: ${changes.join('; ')}` : ''}`}
            >
              <input
                type="radio"
                name="preset"
                checked={cfg.preset === p}
                onChange={() => (cfg.preset === 'custom' && changes.length ? setAsking(p) : apply(p))}
                data-testid={`preset-${p}`}
              />{' '}
              {p}
            </label>
          );
        })}
        <label className="choice">
          <input
            type="radio"
            name="preset"
            checked={cfg.preset === 'custom'}
            readOnly
            disabled={cfg.preset !== 'custom'}
          />{' '}
          custom
        </label>
      </div>
      {asking && (
        <div
          className="confirm small"
          role="alertdialog"
          aria-label={`Apply the ${asking} preset?`}
          data-testid="preset-confirm"
        >
          <p>
            <strong>{asking}</strong> will overwrite your setup: {pending.join('; ')}.
          </p>
          <button type="button" onClick={() => apply(asking)} data-testid="preset-apply">
            Apply {asking}
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setAsking(null)}>
            Keep my setup
          </button>
        </div>
      )}
      <p className="muted small" data-testid="preset-text">
        {PRESET_TEXT[cfg.preset] ?? 'your own settings (change any field below)'}
        {changed && changed.preset === cfg.preset && changed.changes.length > 0 && (
          <span data-testid="preset-changed">
            {' '}
            — the {changed.preset} preset set {changed.changes.join('; ')}.
          </span>
        )}
      </p>
    </>
  );
}

export function Setup({ locked }: { locked: boolean }) {
  const c = useController();
  const cfg = useAppStore((s) => s.config);
  const lm = useAppStore((s) => s.lm);
  const lmInfo = useAppStore((s) => s.lmInfo);
  const ignored = useAppStore((s) => s.ignoredParams);
  const device = useAppStore((s) => s.device);
  const { toggleArm, setField } = useAppStore.getState();
  const [lmState, setLmState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const [copied, setCopied] = useState(false);
  const { seconds, speed } = useEtaBefore();
  const memory =
    lmInfo && device.choice
      ? memoryLine(
          estimateMemory(cfg, lmInfo.shape, {
            trainImages: 0,
            valImages: 0,
            imageSize: 32,
            imageTokens: 64,
            imageCodes: 512,
          }),
          device.memory,
          device.choice.backend,
        )
      : null;
  return (
    <div className="card setup" data-testid="setup" id="setup">
      <h2>Set up the experiment</h2>
      <fieldset disabled={locked}>
        <div className="row">
          <span className="label">Pre-trained LM</span>
          <label className="choice">
            <input type="radio" name="lm" checked={lm.kind === 'shipped'} onChange={() => void c.useShippedLm()} />{' '}
            shipped: 4 layers, width 128, trained on 4M tokens of public-domain English (perplexity 42.2 on held-out{' '}
            <em>Persuasion</em>, a Kneser-Ney bigram 74.7)
          </label>
          <label className="choice small">
            or your own GPT-2-layout folder{lm.kind === 'files' ? ` (${lm.name})` : ''}:{' '}
            <input
              type="file"
              {...{ webkitdirectory: '' }}
              multiple
              data-testid="lm-folder"
              onChange={async (e) => {
                const picked = [...(e.target.files ?? [])];
                e.target.value = '';
                setLmState({ busy: true, error: null });
                try {
                  const { name, files } = await folderFiles(picked);
                  await c.setLmFolder(name, files);
                  setLmState({ busy: false, error: null });
                } catch (err) {
                  setLmState({ busy: false, error: (err as Error).message });
                }
              }}
            />
          </label>
        </div>
        {lmState.busy && <p className="muted small">Reading the folder as a run would…</p>}
        {lmState.error && (
          <p className="error small" role="alert" data-testid="lm-error">
            {lmState.error} The LM is still {lm.kind === 'shipped' ? 'the shipped one' : lm.name}.
          </p>
        )}
        {lmInfo && !lmState.error && (
          <p className="muted small" data-testid="lm-info">
            {lmInfo.name}: {lmInfo.shape.nLayer} layers, width {lmInfo.shape.nEmbd}, {lmInfo.shape.nHead} heads, context{' '}
            {lmInfo.shape.nPositions}, {lmInfo.shape.vocabSize.toLocaleString('en-US')} text ids,{' '}
            {(lmInfo.params / 1e6).toFixed(2)}M parameters ({lmInfo.tokenizer}).
          </p>
        )}
        <Presets />
        <div className="arms">
          {ARMS.map((a) => (
            <label key={a} className="choice arm" title={ARM_TEXT[a]}>
              <input
                type="checkbox"
                checked={cfg.arms.includes(a)}
                onChange={() => toggleArm(a)}
                data-testid={`arm-${a}`}
              />{' '}
              <strong>{a}</strong> <span className="muted small">{ARM_TEXT[a]}</span>{' '}
              <span className="small" data-testid={`arm-lr-${a}`}>
                · learning rate {lrFor(cfg, a)}
              </span>
            </label>
          ))}
        </div>
        <div className="fields">
          {FIELDS.map((f) => (
            <NumberField key={f.field} f={f} />
          ))}
          {Object.keys(cfg.lrByArm ?? {}).length > 0 && (
            <p className="small field-note" data-testid="lr-by-arm">
              Each arm trains at its own learning rate, from this preset's sweep (
              {cfg.arms.map((a) => `${a} ${lrFor(cfg, a)}`).join(', ')}); the rate above is for any other arm. Typing a
              rate gives it to every arm.
            </p>
          )}
          <label className="field">
            <span>New rows</span>
            <select
              value={cfg.rowInit}
              onChange={(e) => setField('rowInit', e.target.value as ExperimentConfig['rowInit'])}
            >
              <option value="random">random</option>
              <option value="mean">mean of the text rows</option>
              <option value="aligned">aligned to caption words</option>
            </select>
            <small className="muted">how the pre-trained arm's new image-token embeddings start</small>
          </label>
        </div>
      </fieldset>
      {ignored.length > 0 && (
        <p className="error small" data-testid="ignored-params">
          Ignored in the link: {ignored.join('; ')}.
        </p>
      )}
      <p className="small">
        {cfg.arms.length} arm{cfg.arms.length === 1 ? '' : 's'} × {cfg.seeds} seed{cfg.seeds === 1 ? '' : 's'} ={' '}
        {cfg.arms.length * cfg.seeds} runs of {cfg.steps.toLocaleString('en-US')} steps. Estimated time here:{' '}
        <strong data-testid="eta-before">{formatDuration(seconds)}</strong>
        {speed ? (
          <span className="muted" title={TOKENS_PER_SECOND_HELP}>
            {' '}
            (at {Math.round(speed.tokensPerSecond).toLocaleString('en-US')} trained tokens/s, {speed.source})
          </span>
        ) : (
          <span className="muted"> (after the first steps)</span>
        )}
        .{memory && <span data-testid="memory-estimate"> Memory: {memory}.</span>}{' '}
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
