// The backend in one line — what runs and, in a few words, why the better ones were refused — with a "why" that opens
// the details: the reason, wasm's threads and why, each refusal in full, the WebGPU adapter, and links to force another
// backend.
import { useState } from 'react';
import type { RefusalReason } from '../../worker/protocol';
import { useAppStore } from '../store';
import { forgetProbes } from '../backend-probe';

const NAMES = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

const SHORT: Record<RefusalReason, string> = {
  'api-missing': 'not in this browser',
  'no-adapter': 'no GPU found',
  'software-adapter': 'software only here',
  'software-renderer': 'software only here',
  'init-failed': 'failed to start',
  'not-in-environment': 'not available',
  'probe-failed': 'failed its train step',
  'probe-cut': 'too slow here',
  'not-probed': 'not timed',
  'slower-here': 'slower here',
};

function forceLink(name: string): string {
  const params = new URLSearchParams(window.location.search);
  if (name === 'auto') params.delete('backend');
  else params.set('backend', name);
  const q = params.toString();
  return window.location.pathname + (q ? `?${q}` : '') + window.location.hash;
}

export function BackendBanner() {
  const device = useAppStore((s) => s.device);
  const [open, setOpen] = useState(false);
  const { choice } = device;
  return (
    <section className="banner" aria-live="polite" data-testid="backend-banner" data-status={device.status}>
      <p className="banner-line">
        {device.status === 'starting' && <span>Starting the compute backend in a worker…</span>}
        {device.status === 'error' && !choice && (
          <span className="error" role="alert">
            No backend could start: {device.error}
          </span>
        )}
        {choice && (
          <>
            Running on{' '}
            <strong data-testid="backend" data-backend={choice.backend}>
              {choice.backend}
            </strong>
            {choice.threads && (
              <span className="muted">
                {' '}
                × {choice.threads.count === 1 ? 'one thread' : `${choice.threads.count} threads`}
              </span>
            )}
            {choice.refusals.length > 0 && (
              <span className="muted">
                {' '}
                · {choice.refusals.map((r) => `${r.backend}: ${SHORT[r.reason] ?? r.reason}`).join(' · ')}
              </span>
            )}
          </>
        )}
        {device.probing && (
          <span className="muted" data-testid="probing" data-backend={device.probing}>
            {' '}
            · timing {device.probing}…
          </span>
        )}{' '}
        <button
          type="button"
          className="link"
          aria-expanded={open}
          aria-controls="backend-details"
          onClick={() => setOpen(!open)}
          data-testid="backend-why"
        >
          {open ? 'hide' : 'why?'}
        </button>
      </p>
      {open && (
        <div id="backend-details" className="card banner-details small" data-testid="backend-details">
          {choice && (
            <p className="chosen">
              {choice.reason}
              {device.initMs !== null && <span className="muted"> Started in {Math.round(device.initMs)} ms.</span>}
            </p>
          )}
          {choice?.probe && (
            <div
              data-testid="probe"
              data-chosen={choice.backend}
              data-probe-ms={Math.round(choice.probe.ms)}
              data-cached={String(choice.probe.cached)}
            >
              <p className="muted">
                One train step of the session&apos;s model ({choice.probe.batch} rows × {choice.probe.context} ids),
                timed on each backend {choice.probe.cached ? 'on an earlier visit' : 'in the background'} (the probe
                took {(choice.probe.ms / 1000).toFixed(1)} s):
              </p>
              <ul className="probe-figures">
                {choice.probe.figures.map((f) => (
                  <li
                    key={f.backend}
                    data-testid={`probe-${f.backend}`}
                    data-ms={f.ok && Number.isFinite(f.loss) ? f.stepMs : undefined}
                    data-reason={choice.refusals.find((r) => r.backend === f.backend)?.reason}
                  >
                    <code>{f.backend}</code>{' '}
                    {f.ok
                      ? `${Math.round(f.stepMs)} ms`
                      : `${f.kind === 'cut' ? 'stopped' : f.kind === 'not-timed' ? 'not timed' : 'failed'}: ${f.why}`}
                    {f.backend === choice.backend ? ' (chosen)' : ''}
                  </li>
                ))}
              </ul>
              <button
                type="button"
                className="link"
                data-testid="probe-again"
                onClick={() => {
                  forgetProbes();
                  window.location.reload();
                }}
              >
                Measure again
              </button>
            </div>
          )}
          {choice?.threads && (
            <p className="muted" data-testid="wasm-threads" data-threads={choice.threads.count}>
              wasm on {choice.threads.detail}
            </p>
          )}
          {choice?.adapter && (
            <p className="muted" data-testid="adapter">
              WebGPU adapter:{' '}
              {[choice.adapter.vendor, choice.adapter.architecture, choice.adapter.description]
                .filter(Boolean)
                .join(' · ') || 'unnamed'}
              {choice.adapter.isFallbackAdapter ? ' (software fallback)' : ''}
            </p>
          )}
          {choice && !choice.probe && choice.refusals.length > 0 && (
            <ul className="refusals">
              {choice.refusals.map((r) => (
                <li key={r.backend} data-testid={`refusal-${r.backend}`} data-reason={r.reason}>
                  <code>{r.backend}</code> {r.detail}
                </li>
              ))}
            </ul>
          )}
          <nav className="force" aria-label="Choose a backend">
            Backend:{' '}
            {NAMES.map((n) => {
              const active = (device.requested ?? 'auto') === n;
              return (
                <a
                  key={n}
                  href={forceLink(n)}
                  aria-current={active ? 'page' : undefined}
                  className={active ? 'active' : ''}
                >
                  {n}
                </a>
              );
            })}
          </nav>
        </div>
      )}
    </section>
  );
}
