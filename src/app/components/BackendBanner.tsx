// The backend banner: what runs, why (for wasm, how many threads and why), and why each better backend was refused —
// with links to force another.
import { useAppStore } from '../store';

const NAMES = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

function forceLink(name: string): string {
  const params = new URLSearchParams(window.location.search);
  if (name === 'auto') params.delete('backend');
  else params.set('backend', name);
  const q = params.toString();
  return window.location.pathname + (q ? `?${q}` : '');
}

export function BackendBanner() {
  const device = useAppStore((s) => s.device);
  const { choice } = device;
  return (
    <section className="card banner" aria-live="polite" data-testid="backend-banner" data-status={device.status}>
      {device.status === 'starting' && <p>Starting the compute backend in a worker…</p>}
      {device.status === 'error' && !choice && (
        <p className="error" role="alert">
          No backend could start: {device.error}
        </p>
      )}
      {choice && (
        <>
          <p className="chosen">
            Running on <strong data-testid="backend" data-backend={choice.backend}>{choice.backend}</strong>
            <span className="muted"> — {choice.reason}</span>
            {device.initMs !== null && <span className="muted"> Started in {Math.round(device.initMs)} ms.</span>}
          </p>
          {choice.threads && (
            <p className="muted small" data-testid="wasm-threads" data-threads={choice.threads.count}>
              wasm on {choice.threads.detail}
            </p>
          )}
          {choice.adapter && (
            <p className="muted small" data-testid="adapter">
              WebGPU adapter: {[choice.adapter.vendor, choice.adapter.architecture, choice.adapter.description].filter(Boolean).join(' · ') || 'unnamed'}
              {choice.adapter.isFallbackAdapter ? ' (software fallback)' : ''}
            </p>
          )}
          {choice.refusals.length > 0 && (
            <ul className="refusals">
              {choice.refusals.map((r) => (
                <li key={r.backend} data-testid={`refusal-${r.backend}`} data-reason={r.reason}>
                  <code>{r.backend}</code> {r.detail}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <nav className="force small" aria-label="Choose a backend">
        Backend:{' '}
        {NAMES.map((n) => {
          const active = (device.requested ?? 'auto') === n;
          return (
            <a key={n} href={forceLink(n)} aria-current={active ? 'page' : undefined} className={active ? 'active' : ''}>
              {n}
            </a>
          );
        })}
      </nav>
    </section>
  );
}
