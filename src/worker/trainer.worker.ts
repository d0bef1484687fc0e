/**
 * The Web Worker that owns the core: it picks the backend, loads data, trains the tokenizer and runs the experiment,
 * answering the page with events. Quick commands (pause, step, sample …) are handled as they arrive; long ones
 * (start, vq-train) answer with `ack` once accepted and then stream. The page never touches tfjs.
 */
import * as tf from '../core/tf';
import { backendFacts, parseBackendRequest, selectBackend } from '../core/backend';
import { loadGPT2 } from '../core/checkpoint/gpt2';
import { checkpointTokenizer } from '../core/checkpoint/tokenizer';
import { memorySource } from '../core/checkpoint/source';
import { memoryLimit } from '../core/experiment/memory';
import { workerBackendEnv } from './backend-env';
import { shippedModel } from './browser-io';
import { runSelfTest } from './self-test';
import { summarise } from './datasets';
import { ExperimentSession } from './experiment-session';
import { VQSession } from './vq-session';
import type { ErrorScope, LmInfo, LmSpec, WorkerCommand, WorkerEvent } from './protocol';
import { SHIPPED_MODELS } from '../core/shipped';

const post = (e: WorkerEvent, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(e, transfer);
const text = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** A command's failure goes back under its id; a streamed one says what it concerns. */
const fail = (id: number | null, e: unknown, scope: ErrorScope = 'worker') =>
  post(id === null ? { type: 'error', id, scope, message: text(e) } : { type: 'error', id, message: text(e) });

let initialised = false;
/** The WebGPU backend's device, when WebGPU is the backend. */
const webgpuDevice = () => (tf.backend() as unknown as { device?: GPUDevice }).device;
/** What the running backend can hold (the device memory the browser reports; wasm's heap; WebGPU's largest buffer). */
const limit = () =>
  memoryLimit(
    tf.getBackend(),
    (self.navigator as Navigator & { deviceMemory?: number }).deviceMemory ?? null,
    webgpuDevice()?.limits.maxBufferSize ?? null,
  );
const experiment = new ExperimentSession(post, limit);
const vq = new VQSession(post);

/** Tell the page when a WebGPU device goes away, so it can restart on another backend from the last checkpoint. */
function watchDevice(): void {
  webgpuDevice()?.lost.then((info) =>
    post({
      type: 'device-lost',
      id: null,
      message: `the WebGPU device was lost (${info.reason}: ${info.message || 'no detail'})`,
    }),
  );
}

/** An LM read as a run would read it (weights, config, tokenizer), then freed: checks a picked folder at once. */
async function lmInfo(spec: LmSpec): Promise<LmInfo> {
  const src = spec.kind === 'shipped' ? shippedModel(SHIPPED_MODELS.lm) : memorySource(spec.name, new Map(spec.files));
  const { model, tokenizerJson } = await loadGPT2(src, `lm-check-${Date.now()}`);
  try {
    const c = model.config;
    await checkpointTokenizer(src, tokenizerJson, c.vocabSize); // refuses a tokenizer with ids beyond the model's rows
    const params = [...model.params.values()].reduce((s, v) => s + v.size, 0);
    return {
      name: spec.kind === 'shipped' ? `${SHIPPED_MODELS.lm} (shipped)` : spec.name,
      shape: {
        vocabSize: c.vocabSize,
        nPositions: c.nPositions,
        nEmbd: c.nEmbd,
        nLayer: c.nLayer,
        nHead: c.nHead,
        tieEmbeddings: c.tieEmbeddings,
      },
      params,
      tokenizer: tokenizerJson ? 'tokenizer.json' : 'vocab.json + merges.txt',
    };
  } finally {
    model.dispose();
  }
}

function needInit(): void {
  if (!initialised) throw new Error('the backend is not started yet (send init first)');
}

async function handle(cmd: WorkerCommand): Promise<void> {
  switch (cmd.type) {
    case 'init': {
      const t0 = performance.now();
      // The page's auto mode names the backend its probe chose (or wasm while it probes): see src/app/backend-probe.ts.
      const choice = await selectBackend(parseBackendRequest(cmd.backend), workerBackendEnv());
      initialised = true;
      if (choice.backend === 'webgpu') watchDevice();
      post({ type: 'ready', id: cmd.id, choice, initMs: performance.now() - t0, memory: limit() });
      return;
    }
    case 'facts': {
      const f = await backendFacts(workerBackendEnv());
      const a = f.adapter;
      const adapter = a
        ? [a.vendor, a.architecture, a.description].join('|') + (a.isFallbackAdapter ? ' (fallback)' : '')
        : null;
      post({
        type: 'facts',
        id: cmd.id,
        facts: { ...f, adapter, userAgent: navigator.userAgent },
        adapter: a,
      });
      return;
    }
    case 'self-test':
      needInit();
      post({ type: 'self-test', id: cmd.id, result: await runSelfTest(cmd.steps, cmd.seed) });
      return;
    case 'load-data':
      post({ type: 'data', id: cmd.id, summary: await summarise(cmd.dataset, cmd.level, cmd.preview) });
      return;
    case 'vq-train':
      needInit();
      post({ type: 'ack', id: cmd.id });
      vq.train(cmd.dataset, cmd.steps).catch((e) => fail(null, e, 'tokenizer'));
      return;
    case 'vq-stop':
      vq.stop();
      break;
    case 'start':
      needInit();
      post({ type: 'ack', id: cmd.id });
      experiment.start(cmd).catch((e) => fail(null, e, 'experiment'));
      return;
    case 'pause':
      await experiment.pause();
      break;
    case 'play':
      experiment.play();
      break;
    case 'step':
      await experiment.stepOnce();
      break;
    case 'reset':
      await experiment.reset();
      break;
    case 'set-config':
      experiment.setLogEvery(cmd.logEvery);
      break;
    case 'lose-device': {
      const device = webgpuDevice();
      if (!device) throw new Error(`there is no WebGPU device to lose: the backend is ${tf.getBackend()}`);
      device.destroy();
      break;
    }
    case 'lm-info':
      needInit();
      post({ type: 'lm', id: cmd.id, info: await lmInfo(cmd.lm) });
      return;
    case 'inject-nan':
      await experiment.injectNaN();
      break;
    case 'sample':
      await experiment.sample(cmd.id, cmd.caption, cmd.count, cmd.temperature);
      return;
    case 'export':
      await experiment.export(cmd);
      return;
  }
  post({ type: 'ack', id: cmd.id });
}

self.onmessage = (ev: MessageEvent<WorkerCommand>) => {
  const cmd = ev.data;
  handle(cmd).catch((e: unknown) => fail(cmd.id ?? null, e));
};
