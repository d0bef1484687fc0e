// Play / pause / step / reset with the run's status in one line. A click shows at once what it asked for (the worker
// acts at its next step boundary); preparation shows its counts and can be cancelled; a stopped run with checkpoints
// offers to resume from them; setup problems keep Play from starting and say why. Reset of a finished run asks first
// and offers its report and metrics for download.
import { useState } from 'react';
import { useController } from '../controller-context';
import { playButton } from '../play-button';
import { setupProblems } from '../setup-check';
import { statusLine } from '../status-line';
import { useGuarded } from '../use-guarded';
import { useAppStore } from '../store';

export function Controls() {
  const c = useController();
  const run = useAppStore((s) => s.run);
  const cfg = useAppStore((s) => s.config);
  const lmInfo = useAppStore((s) => s.lmInfo);
  const fieldErrors = useAppStore((s) => s.fieldErrors);
  const device = useAppStore((s) => s.device);
  const { error, guard: act } = useGuarded();
  const status = run.status;
  const { phase, choice, label } = playButton(run);
  const busy = run.intent !== null;
  const canPlay =
    device.status === 'ready' && !busy && ['idle', 'paused', 'restored', 'failed', 'done'].includes(phase);
  const problems =
    canPlay && choice === 'start'
      ? setupProblems(cfg, {
          lm: lmInfo?.shape,
          limit: device.memory,
          backend: device.choice?.backend,
          fieldErrors: Object.values(fieldErrors),
        })
      : [];
  const p = status?.phase === 'preparing' ? status.progress : null;
  const failure = phase === 'failed' && status?.message ? status.message : null;
  const errors = [...new Set([error, run.error].filter((x): x is string => Boolean(x) && x !== failure))];
  // A finished run (its verdict, perhaps 40 minutes of training) is not thrown away on one click: Reset asks.
  // Also while it is Finishing: training is over and its verdict already shows (a teacher once lost one that way).
  const finishing = phase === 'finishing';
  const finished = phase === 'done' || finishing || (run.restored && Boolean(run.finished));
  const [asking, setAsking] = useState(false);
  const reset = c.reset.bind(c);
  return (
    <div className="controls" data-testid="controls" data-phase={phase} data-intent={run.intent ?? ''}>
      <div className="row buttons">
        <button
          type="button"
          onClick={act(() => c.pressPlay())}
          disabled={!canPlay || problems.length > 0}
          data-testid="play"
          title={problems[0] ?? 'Start, continue, or start again with the setup below'}
        >
          ▶ {label}
        </button>
        <button
          type="button"
          onClick={act(c.pause)}
          disabled={phase !== 'running' || busy}
          data-testid="pause"
          title="Pauses after the step in progress"
        >
          ❚❚ Pause
        </button>
        <button
          type="button"
          onClick={act(c.step)}
          disabled={phase !== 'paused' || busy}
          data-testid="step"
          title="One step of every run"
        >
          Step
        </button>
        <button
          type="button"
          className="secondary"
          onClick={finished ? () => setAsking(true) : act(reset)}
          disabled={phase === 'idle' || (busy && run.intent !== 'starting' && run.intent !== 'resuming')}
          data-testid="reset"
          title={phase === 'preparing' ? 'Stop preparing' : 'Stop and forget this run (after the step in progress)'}
        >
          {phase === 'preparing' ? 'Cancel' : 'Reset'}
        </button>
      </div>
      {asking && finished && (
        <div
          className="confirm small"
          role="alertdialog"
          aria-label={finishing ? 'Reset the run that is finishing?' : 'Reset the finished run?'}
          data-testid="reset-confirm"
        >
          <p>
            {finishing
              ? 'Training is over and this run has its verdict; its report is being written. Reset forgets it in this browser, curves included. Download its metrics first to keep them.'
              : 'This run is finished and has its verdict. Reset forgets it in this browser, curves and report included. Download it first to keep it.'}
          </p>
          {!finishing && (
            <>
              <button
                type="button"
                className="secondary"
                onClick={act(async () => c.exportReport())}
                data-testid="reset-export"
              >
                Download the report first
              </button>{' '}
            </>
          )}
          <button
            type="button"
            className="secondary"
            onClick={act(async () => c.exportCsv())}
            data-testid="reset-export-csv"
          >
            {finishing ? 'Download the metrics CSV first' : 'and the metrics CSV'}
          </button>{' '}
          <button
            type="button"
            onClick={act(async () => {
              setAsking(false);
              await reset();
            })}
            data-testid="reset-confirm-yes"
          >
            Reset anyway
          </button>{' '}
          <button type="button" className="secondary" onClick={() => setAsking(false)} data-testid="reset-keep">
            Keep it
          </button>
        </div>
      )}
      <p className="status" data-testid="run-status" aria-live="polite">
        {phase === 'restored'
          ? run.finished
            ? 'Restored a finished run from this browser.'
            : `Restored from this browser: ${Object.keys(run.checkpoints).length ? `checkpoints at step ${Math.min(...Object.values(run.checkpoints))}` : 'no checkpoint yet (resume starts over)'}.`
          : statusLine(status, run.intent)}
      </p>
      {p && (
        <progress className="prep" max={p.total} value={p.done} data-testid="prep-progress" aria-label={p.what}>
          {p.done} / {p.total}
        </progress>
      )}
      {problems.length > 0 && (
        <ul className="error small problems-list" data-testid="setup-problems">
          {problems.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      {failure && (
        <p className="error" role="alert" data-testid="run-failure">
          {failure}
        </p>
      )}
      {errors.map((m) => (
        <p key={m} className="error" role="alert" data-testid="run-error">
          {m}
        </p>
      ))}
      {run.notice && (
        <p className="notice small" role="status" data-testid="run-notice">
          {run.notice}{' '}
          <button type="button" className="link" onClick={() => useAppStore.getState().runNotice(null)}>
            dismiss
          </button>
        </p>
      )}
    </div>
  );
}
