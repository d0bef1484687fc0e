// The config, runs and ui slices of the app store, and the setup as a shareable query string.
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/core/experiment/config';
import { createAppStore } from '../../src/app/store';
import { setupFromQuery, setupQuery } from '../../src/app/store/config';
import { type RunMeta } from '../../src/app/store/runs';
import { recordsToResume } from '../../src/core/experiment/resume-records';
import type { Finished, MetricRecord, RunStatus } from '../../src/worker/protocol';

const rec = (arm: string, seed: number, step: number): MetricRecord => ({
  arm,
  seed,
  step,
  tokens: step * 10,
  metric: 'train/loss',
  value: 1 / (step + 1),
});
const status = (phase: RunStatus['phase'], step = 0, message = ''): RunStatus => ({
  phase,
  message,
  progress: null,
  step,
  steps: 10,
  runs: 2,
  stepsLeft: 2 * (10 - step),
  stepMs: 50,
  evalMs: 200,
  evalEvery: 5,
  saveMsPerStep: null,
  tokensPerSecond: 1000,
  numTensors: 5,
  numBytes: 1024,
});
const meta: RunMeta = {
  id: 'r1',
  config: PRESETS.smoke,
  dataset: { kind: 'emoji', style: 'twemoji' },
  lm: { kind: 'shipped' },
  backend: 'wasm',
  createdAt: 0,
};

describe('config slice', () => {
  it('starts on the lesson preset; a changed field makes it custom; a preset resets every field', () => {
    const s = createAppStore();
    expect(s.getState().config).toEqual(PRESETS.lesson);
    s.getState().setField('steps', 123);
    expect(s.getState().config).toMatchObject({ steps: 123, preset: 'custom' });
    const before = s.getState().config;
    s.getState().setField('steps', 123);
    expect(s.getState().config).toBe(before); // the same value changes nothing (charts and the URL do not redraw)
    s.getState().setFieldError('seeds', 'Seeds: 12 is above the largest allowed, 10 (kept 1)');
    expect(s.getState().fieldErrors).toEqual({ seeds: 'Seeds: 12 is above the largest allowed, 10 (kept 1)' });
    s.getState().setPreset('cpu');
    expect(s.getState().fieldErrors).toEqual({}); // a preset replaces every field, so no refused value is left
    expect(s.getState().config).toEqual(PRESETS.cpu);
    expect(s.getState().basePreset).toBe('cpu');
    expect(() => s.getState().setPreset('nope')).toThrow(/unknown preset nope/);
  });
  it("a typed learning rate is every arm's: it replaces the preset's per-arm rates from its sweep", () => {
    const s = createAppStore();
    expect(s.getState().config.lrByArm).toEqual({ pretrained: 0.015, scratch: 0.006 });
    s.getState().setField('lr', 0.001);
    expect(s.getState().config).toMatchObject({ lr: 0.001, lrByArm: {}, preset: 'custom' });
    s.getState().setField('steps', 20);
    expect(s.getState().config.lrByArm).toEqual({});
  });
  it('a preset stays itself when a field returns to its value, or an arm is unticked and ticked again', () => {
    const s = createAppStore();
    s.getState().setField('captionLevel', 'L4');
    expect(s.getState().config.preset).toBe('custom');
    s.getState().setField('captionLevel', PRESETS.lesson.captionLevel);
    expect(s.getState().config).toEqual(PRESETS.lesson);
    s.getState().setField('steps', 7);
    s.getState().setField('seeds', 2);
    s.getState().setField('steps', PRESETS.lesson.steps);
    expect(s.getState().config.preset).toBe('custom'); // seeds still differ
    s.getState().setField('seeds', PRESETS.lesson.seeds);
    expect(s.getState().config.preset).toBe('lesson');
    s.getState().toggleArm('pretrained');
    expect(s.getState().config.preset).toBe('custom');
    s.getState().toggleArm('pretrained');
    expect(s.getState().config).toMatchObject({ arms: ['scratch', 'pretrained'], preset: 'lesson' });
    // From another preset, the same: a round trip comes back to cpu.
    s.getState().setPreset('cpu');
    s.getState().setField('evalEvery', PRESETS.cpu.evalEvery + 1);
    s.getState().setField('evalEvery', PRESETS.cpu.evalEvery);
    expect(s.getState().config.preset).toBe('cpu');
    // A typed rate replaced the per-arm rates: typing the shared one back is still a custom setup.
    s.getState().setField('lr', 0.001);
    s.getState().setField('lr', PRESETS.cpu.lr);
    expect(s.getState().config).toMatchObject({ lrByArm: {}, preset: 'custom' });
  });
  it('toggles arms freely (the setup check, not the store, refuses a setup without pretrained and scratch)', () => {
    const s = createAppStore();
    s.getState().toggleArm('pretrained-mix');
    expect(s.getState().config.arms).toEqual(['pretrained', 'scratch', 'pretrained-mix']);
    s.getState().toggleArm('pretrained');
    s.getState().toggleArm('scratch');
    expect(s.getState().config).toMatchObject({ arms: ['pretrained-mix'], preset: 'custom' });
  });
  it('a custom setup round-trips through the URL with the preset it came from', () => {
    const s = createAppStore();
    s.getState().setPreset('cpu');
    s.getState().setField('steps', 40);
    const q = setupQuery(s.getState().config, s.getState().basePreset);
    expect(q).toBe('preset=custom&steps=40&from=cpu');
    const back = setupFromQuery(`?${q}`);
    expect(back).toEqual({
      config: { ...PRESETS.cpu, preset: 'custom', steps: 40 },
      basePreset: 'cpu',
      dataset: { kind: 'emoji', style: 'twemoji' },
      lm: { kind: 'shipped' },
      ignored: [],
      chosen: true,
    });
    expect(setupFromQuery('?preset=smoke&steps=40&eval=10').config).toMatchObject({
      preset: 'smoke',
      steps: 40,
      evalEvery: 10,
      batchSize: 4,
    });
    expect(setupFromQuery('?preset=huge').ignored[0]).toMatch(/^preset=huge/);
  });
  it("the device's default replaces the setup only while it is unchosen, and a link names a setup only with setup keys", () => {
    expect(setupFromQuery('').chosen).toBe(false);
    expect(setupFromQuery('?backend=wasm&data=noto').chosen).toBe(false);
    expect(setupFromQuery('?steps=40').chosen).toBe(true);
    const d = { preset: 'cpu' as const, seconds: 600, sentence: 'Chosen for this device: …' };
    const s = createAppStore();
    expect(s.getState().setupChosen).toBe(false);
    s.getState().applyDeviceDefault(d);
    expect(s.getState().config).toMatchObject({ preset: 'cpu', seeds: PRESETS.cpu.seeds });
    expect(s.getState()).toMatchObject({ setupChosen: false, deviceDefault: d, basePreset: 'cpu' });
    s.getState().setPreset('lesson');
    expect(s.getState().setupChosen).toBe(true);
    s.getState().applyDeviceDefault({ ...d, preset: 'replication' });
    expect(s.getState().config.preset).toBe('lesson'); // the user's choice stands
    const linked = createAppStore();
    linked.getState().loadConfig(PRESETS.smoke, 'smoke', [], true);
    linked.getState().applyDeviceDefault(d);
    expect(linked.getState().config.preset).toBe('smoke');
    const fieldChanged = createAppStore();
    fieldChanged.getState().setField('steps', 40);
    fieldChanged.getState().applyDeviceDefault(d);
    expect(fieldChanged.getState().config.steps).toBe(40);
  });
  it('puts the dataset, the caption level and a picked LM in the link; your own files are named, not carried', () => {
    const s = createAppStore();
    s.getState().setField('captionLevel', 'L4');
    s.getState().setDataset({ kind: 'emoji', style: 'noto' });
    const q = setupQuery(s.getState().config, s.getState().basePreset, s.getState().dataset, s.getState().lm);
    expect(q).toBe('preset=custom&level=L4&from=lesson&data=noto');
    expect(setupFromQuery(`?${q}`)).toMatchObject({
      config: { captionLevel: 'L4', preset: 'custom' },
      dataset: { kind: 'emoji', style: 'noto' },
      ignored: [],
    });
    const own = setupQuery(
      PRESETS.classroom,
      'classroom',
      { kind: 'byod', name: 'my pets.zip' },
      { kind: 'files', name: 'gpt2' },
    );
    expect(own).toBe('preset=classroom&data=own%3Amy+pets.zip&lm=own%3Agpt2');
    const back = setupFromQuery(`?${own}`);
    expect(back.dataset).toEqual({ kind: 'emoji', style: 'twemoji' });
    expect(back.ignored).toEqual([
      'data=own:my pets.zip (your own dataset “my pets.zip” is not in the link: drop it on the Data panel; Twemoji meanwhile)',
      'lm=own:gpt2 (your own LM “gpt2” is not in the link: pick its folder in the setup; the shipped LM meanwhile)',
    ]);
    expect(setupFromQuery('?data=flickr').ignored).toEqual(['data=flickr (expected twemoji, noto or own:<name>)']);
  });
});

describe('runs slice', () => {
  it('follows a run: start, status, batched metrics, checkpoints, failure message', () => {
    const s = createAppStore();
    s.getState().runStarted(meta);
    s.getState().runStatus(status('running', 1));
    s.getState().runMetrics([rec('pretrained', 0, 1)]);
    const afterFirst = s.getState().run.records;
    s.getState().runMetrics([]);
    expect(s.getState().run.records).toBe(afterFirst); // the empty batch changed nothing
    s.getState().runMetrics([rec('scratch', 0, 1), rec('pretrained', 0, 2)]);
    s.getState().runCheckpoint('pretrained', 0, 3);
    const r = s.getState().run;
    expect(r.records).toHaveLength(3);
    expect(r.checkpoints).toEqual({ 'pretrained/0': 3 });
    s.getState().runStatus(status('failed', 2, 'the loss became NaN'));
    // The failure is the status's message, shown once; run.error is for the page's own errors.
    expect(s.getState().run.status?.message).toBe('the loss became NaN');
    expect(s.getState().run.error).toBeNull();
    s.getState().setIntent('pausing');
    const withIntent = s.getState().run;
    s.getState().setIntent('pausing');
    expect(s.getState().run).toBe(withIntent);
    s.getState().runNotice('Could not save the latest metrics: quota exceeded.');
    expect(s.getState().run).toMatchObject({
      intent: 'pausing',
      notice: 'Could not save the latest metrics: quota exceeded.',
    });
    s.getState().runStarted(meta);
    expect(s.getState().run).toMatchObject({ intent: null, notice: null, records: [] });
  });
  it('a restored run keeps only the records up to each run’s checkpoint when resumed', () => {
    const s = createAppStore();
    const records = [
      rec('pretrained', 0, 2),
      rec('pretrained', 0, 3),
      rec('pretrained', 0, 4),
      rec('scratch', 0, 3),
      rec('scratch', 0, 5),
    ];
    s.getState().runRestored(meta, records, { 'pretrained/0': 3, 'scratch/0': 3 }, null);
    expect(s.getState().run).toMatchObject({ restored: true, meta });
    s.getState().runResumed();
    expect(s.getState().run.restored).toBe(false);
    expect(s.getState().run.records.map((r) => `${r.arm}@${r.step}`)).toEqual([
      'pretrained@2',
      'pretrained@3',
      'scratch@3',
    ]);
    expect(recordsToResume(records, {})).toEqual([]);
  });
  it('after a reload the saved heatmap and samples come back; a finished run keeps its final heatmap', () => {
    const s = createAppStore();
    const live = { step: 9, captions: ['a'], rows: [], custom: false };
    s.getState().runRestored(meta, [], {}, null);
    expect(s.getState().run).toMatchObject({ heatmap: null, live: null });
    s.getState().runShownRestored({ step: 9, byArm: { scratch: [5, 6] } }, live);
    expect(s.getState().run).toMatchObject({ heatmap: { step: 9, byArm: { scratch: [5, 6] } }, live, restored: true });
    s.getState().runRestored(meta, [], {}, { imageLossByPosition: { scratch: [1, 2] } } as unknown as Finished);
    s.getState().runShownRestored({ step: 9, byArm: { scratch: [5, 6] } }, live);
    expect(s.getState().run.heatmap?.byArm.scratch).toEqual([1, 2]);
    expect(s.getState().run.live).toBe(live);
  });
  it('samples go to live or custom; the finished report brings the heatmap; clearing empties the run', () => {
    const s = createAppStore();
    s.getState().runStarted(meta);
    s.getState().runSamples({ step: 3, captions: ['a'], rows: [], custom: false });
    s.getState().runSamples({ step: 4, captions: ['b'], rows: [], custom: true });
    expect(s.getState().run.live?.step).toBe(3);
    expect(s.getState().run.custom?.step).toBe(4);
    s.getState().runFinished({ imageLossByPosition: { scratch: [1, 2, 3, 4] } } as unknown as Finished);
    expect(s.getState().run.heatmap?.byArm.scratch).toEqual([1, 2, 3, 4]);
    s.getState().runCleared();
    expect(s.getState().run).toMatchObject({ meta: null, records: [], finished: null });
  });
  it('records a tokenizer training run from its progress events', () => {
    const s = createAppStore();
    s.getState().vqStarted(100);
    s.getState().vqProgress({
      type: 'vq-progress',
      id: null,
      step: 50,
      steps: 100,
      psnr: 18,
      usage: 0.5,
      perplexity: 200,
      loss: 0.1,
      originals: [],
      reconstructions: [],
      done: false,
    });
    s.getState().vqProgress({
      type: 'vq-progress',
      id: null,
      step: 100,
      steps: 100,
      psnr: 20,
      usage: 0.9,
      perplexity: 300,
      loss: 0.05,
      originals: [],
      reconstructions: [],
      done: true,
    });
    expect(s.getState().vq).toMatchObject({ running: false, steps: 100, error: null });
    expect(s.getState().vq!.history.map((h) => h.psnr)).toEqual([18, 20]);
    s.getState().vqFailed('out of memory');
    expect(s.getState().vq).toMatchObject({ running: false, error: 'out of memory' });
  });
});

describe('ui slice', () => {
  it('opens panels, clamps smoothing to [0, 0.999], sets chart options and the tour', () => {
    const s = createAppStore();
    expect(s.getState().ui.panel).toBe('experiment');
    s.getState().setPanel('report');
    s.getState().setSmoothing(2);
    expect(s.getState().ui.smoothing).toBe(0.999);
    s.getState().setSmoothing(Number.NaN);
    expect(s.getState().ui.smoothing).toBe(0);
    s.getState().setChart({ logY: true, xAxis: 'tokens' });
    s.getState().setTour(2);
    s.getState().setReadEvery(2.7);
    expect(s.getState().ui).toMatchObject({
      panel: 'report',
      logY: true,
      logX: false,
      xAxis: 'tokens',
      tour: 2,
      showRecorded: true,
      readEvery: 2,
    });
    s.getState().setReadEvery(0);
    expect(s.getState().ui.readEvery).toBe(1);
  });
});

describe('device slice additions', () => {
  it('keeps the notice, wake lock and measured speed', () => {
    const s = createAppStore();
    s.getState().deviceNotice('the WebGPU device was lost. Switched to wasm.');
    s.getState().setWakeLock(true);
    s.getState().setSpeed({ tokensPerSecond: 1200, source: 'measured here on wasm' });
    expect(s.getState().device).toMatchObject({
      notice: 'the WebGPU device was lost. Switched to wasm.',
      wakeLock: true,
      speed: { tokensPerSecond: 1200 },
    });
  });
});
