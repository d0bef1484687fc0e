/**
 * The Web Worker that owns the core: it picks the backend, loads data, trains the tokenizer and runs the experiment,
 * answering the page with events. Quick commands (pause, step, sample …) are handled as they arrive; long ones
 * (start, vq-train) answer with `ack` once accepted and then stream. The page never touches tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { parseBackendRequest, selectBackend } from '../core/backend';
import { workerBackendEnv } from './backend-env';
import { runSelfTest } from './self-test';
import { summarise } from './datasets';
import { ExperimentSession } from './experiment-session';
import { VQSession } from './vq-session';
import type { WorkerCommand, WorkerEvent } from './protocol';

const post = (e: WorkerEvent, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(e, transfer);
const fail = (id: number | null, e: unknown) => post({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });

let initialised = false;
const experiment = new ExperimentSession(post);
const vq = new VQSession(post);

/** The WebGPU backend's device, when WebGPU is the backend. */
const webgpuDevice = () => (tf.backend() as unknown as { device?: GPUDevice }).device;

/** Tell the page when a WebGPU device goes away, so it can restart on another backend from the last checkpoint. */
function watchDevice(): void {
  webgpuDevice()?.lost.then((info) => post({ type: 'device-lost', id: null, message: `the WebGPU device was lost (${info.reason}: ${info.message || 'no detail'})` }));
}

function needInit(): void {
  if (!initialised) throw new Error('the backend is not started yet (send init first)');
}

async function handle(cmd: WorkerCommand): Promise<void> {
  switch (cmd.type) {
    case 'init': {
      const t0 = performance.now();
      const choice = await selectBackend(parseBackendRequest(cmd.backend), workerBackendEnv());
      initialised = true;
      if (choice.backend === 'webgpu') watchDevice();
      post({ type: 'ready', id: cmd.id, choice, initMs: performance.now() - t0 });
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
      vq.train(cmd.dataset, cmd.steps).catch((e) => fail(null, e));
      return;
    case 'vq-stop':
      vq.stop();
      break;
    case 'start':
      needInit();
      post({ type: 'ack', id: cmd.id });
      experiment.start(cmd).catch((e) => fail(null, e));
      return;
    case 'pause':
      await experiment.pause();
      break;
    case 'resume':
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
