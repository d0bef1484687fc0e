// The app shell: header, backend banner and self-test; it starts the trainer worker and feeds the store.
import { useCallback, useEffect, useRef } from 'react';
import { BackendBanner } from './components/BackendBanner';
import { SelfTest } from './components/SelfTest';
import { WorkerClient } from './worker-client';
import { useAppStore } from './store';

export function App() {
  const client = useRef<WorkerClient | null>(null);

  useEffect(() => {
    const requested = new URLSearchParams(window.location.search).get('backend');
    const store = useAppStore.getState();
    store.deviceStarting(requested);
    const c = new WorkerClient();
    client.current = c;
    c.send<'ready'>({ type: 'init', backend: requested }).then(
      (e) => useAppStore.getState().deviceReady(e.choice, e.initMs),
      (err: Error) => useAppStore.getState().deviceFailed(err.message),
    );
    return () => {
      c.terminate();
      client.current = null;
    };
  }, []);

  const runSelfTest = useCallback(() => {
    const c = client.current;
    if (!c) return;
    useAppStore.getState().selfTestStarted();
    c.send<'self-test'>({ type: 'self-test', steps: 5, seed: 0 }).then(
      (e) => useAppStore.getState().selfTestDone(e.result),
      (err: Error) => useAppStore.getState().selfTestDone(null, err.message),
    );
  }, []);

  return (
    <div className="page">
      <header>
        <h1>Tabula Rasa</h1>
        <p className="tagline">
          Does a language model pre-trained on ordinary English help a transformer learn to draw from captions — or is
          it no better than a blank slate? A small, live replication of Zhang et al. (2023), running in your browser.
        </p>
      </header>
      <BackendBanner />
      <SelfTest onRun={runSelfTest} />
      <section className="card">
        <h2>What works today</h2>
        <ul>
          <li>A GPT-2-style transformer (checked against an independent float64 implementation) with AdamW, trained here in a Web Worker.</li>
          <li>Automatic backend choice (WebGPU → WebGL → wasm → CPU) that refuses software GPUs and says why.</li>
          <li>GPT-2-compatible checkpoints (safetensors); the command line evaluates them with <code>npm run lm-eval</code>.</li>
          <li>3,786 emoji images in two styles with five caption levels, Austen and Moby-Dick text, a byte-level BPE tokenizer, and validated bring-your-own datasets (<code>npm run check-data</code>).</li>
          <li>A VQ-VAE image tokenizer (32×32 image → 8×8 codes) and the whole experiment from the command line: <code>npm run replicate</code> fine-tunes the pre-trained LM and a blank slate side by side and writes a report with a verdict per effect.</li>
        </ul>
        <p className="muted">Coming next: the experiment here in the page, with live charts.</p>
      </section>
      <footer className="muted small">
        MIT licensed. Emoji graphics: Twemoji by Twitter, Inc. and other contributors,{' '}
        <a href="https://creativecommons.org/licenses/by/4.0/">CC-BY 4.0</a>; Noto Emoji by Google, Apache-2.0. Paper: Zhang, McKinzie, Gan, Shankar, Toshev, <em>Pre-trained Language Models Do Not Help Auto-regressive Text-to-Image Generation</em> (arXiv 2311.16201).
      </footer>
    </div>
  );
}
