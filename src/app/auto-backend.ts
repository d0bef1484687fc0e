/**
 * The page's `auto` backend, between the controller and the probe (backend-probe.ts): before the trainer worker
 * starts, read the platform's facts and the probe cached for them — the trainer then starts on the cached choice at
 * once, or on wasm while the probe runs in the background; afterwards, turn the probe's figures into the banner's
 * choice, the speed the ETA uses (when no run has measured one here) and the device's default setup
 * (device-default.ts, only where the setup was not chosen).
 */
import {
  decideBackend,
  PROBE_SHAPE,
  probeCacheKey,
  probedChoice,
  type CachedProbe,
  type ProbeFacts,
} from '../core/backend-probe';
import type { BackendChoice, BackendName } from '../worker/protocol';
import { cachedProbe, runProbe, storeProbe, type ProbeRun } from './backend-probe';
import { deviceDefault, probeTokensPerSecond } from './device-default';
import { useAppStore } from './store';
import type { WorkerClient } from './worker-client';

const store = () => useAppStore.getState();

/** How an automatic start begins: the facts and cache key, the cached probe (if any) and the backend to start. */
export interface AutoStart {
  facts: ProbeFacts;
  key: string;
  cached: CachedProbe | null;
  start: BackendName;
}

/** Read the facts from the trainer worker and the cached probe for them; the backend to start is its choice, or wasm. */
export async function autoStart(client: WorkerClient): Promise<AutoStart> {
  const { facts } = await client.send<'facts'>({ type: 'facts' });
  const key = probeCacheKey(facts);
  const cached = cachedProbe(key);
  return { facts, key, cached, start: (cached && decideBackend(cached.figures).backend) || 'wasm' };
}

/**
 * The banner's choice for what the trainer worker `started`: the cached probe's, when it started the backend the
 * cache chose (else the cache is forgotten and `auto.cached` cleared, so the caller probes again), or wasm's while the
 * probe runs.
 */
export function startedChoice(started: BackendChoice, auto: AutoStart): BackendChoice {
  if (auto.cached && started.backend === auto.start) return probedChoice(started, auto.cached, true);
  if (auto.cached) storeProbe(auto.key, null);
  auto.cached = null;
  return {
    ...started,
    requested: 'auto',
    reason: `${started.backend} runs while the page times one train step on each backend in the background (a few seconds; nothing waits for it).`,
  };
}

/**
 * After a probe (cached or fresh) on the running `backend`: the ETA's speed from its figure, unless a run already
 * measured one here, and the device's default setup from that speed where the setup is not chosen and no run is shown.
 */
export function applyProbeFigures(backend: BackendName, probe: CachedProbe): void {
  const f = probe.figures.find((x) => x.backend === backend);
  if (!f?.ok || !Number.isFinite(f.loss)) return;
  const s = store();
  if (!s.device.speed?.source.startsWith('measured here'))
    s.setSpeed({
      tokensPerSecond: probeTokensPerSecond(f.stepMs, PROBE_SHAPE.batch, s.config),
      source: `the backend probe's train step on ${backend}`,
    });
  const speed = store().device.speed!;
  if (store().setupChosen || store().run.meta) return;
  const source = speed.source.startsWith('measured here')
    ? `${backend}, measured by a run in this browser`
    : `${backend}, timed by the backend probe`;
  store().applyDeviceDefault(deviceDefault(speed.tokensPerSecond, source));
}

/**
 * Run the probe for `auto` beside the trainer worker and act on its figures: cache them; show them; where the probe
 * chose another backend and nothing is on the page yet, `restart` the trainer worker (it starts on the cached choice);
 * where a run is already there it stays, and "why?" says the next visit starts on the probe's choice. `ended` is
 * called when the probe is over (finished or stopped).
 */
export function probeInBackground(auto: AutoStart, restart: () => Promise<void>, ended: () => void): ProbeRun {
  const run = runProbe(auto.facts, (b) => store().setProbing(b));
  void run.done.then(async (o) => {
    ended();
    const choice = store().device.choice;
    if (!choice) return;
    const { initMs, memory } = store().device;
    const show = (c: BackendChoice) => store().deviceReady(c, initMs ?? 0, memory);
    if (o.cancelled) {
      show({
        ...choice,
        reason: `${choice.backend} runs: the backend probe was stopped (${o.cancelled}) before it finished; the next visit probes again.`,
      });
      return;
    }
    const entry: CachedProbe = { figures: o.figures, at: Date.now(), ms: o.ms };
    const best = decideBackend(o.figures).backend;
    if (best === null) return show(probedChoice(choice, entry, false, `${choice.backend} runs all the same.`));
    storeProbe(auto.key, entry);
    if (best === choice.backend) {
      show(probedChoice(choice, entry, false));
      applyProbeFigures(best, entry);
    } else if (!store().run.meta && !store().run.intent) await restart();
    else
      show(
        probedChoice(
          choice,
          entry,
          false,
          `This run stays on ${choice.backend}; the page starts on ${best} next time.`,
        ),
      );
  });
  return run;
}
