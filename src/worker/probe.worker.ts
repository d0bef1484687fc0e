/**
 * The backend probe's worker (issue 23 item 3): the page (src/app/backend-probe.ts) asks it to time one backend at a
 * time and terminates it when a backend runs past its deadline — a pending GPU step cannot be abandoned any other way.
 * It says `loaded` once its modules are in, so the page's deadline counts the backend's start and steps alone.
 */
import { workerBackendEnv } from './backend-env';
import { probeOne } from './backend-probe';
import type { ProbeCommand, ProbeEvent } from './protocol';

const post = (e: ProbeEvent) => (self as unknown as Worker).postMessage(e);

self.onmessage = (ev: MessageEvent<ProbeCommand>) => {
  const cmd = ev.data;
  void probeOne(cmd.backend, workerBackendEnv(), cmd.shape).then((figure) => post({ type: 'figure', figure }));
};
post({ type: 'loaded' });
