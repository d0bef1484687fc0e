// Vite config for the single-page app (and the benchmark page, bench.html): React, module Web Workers, the tfjs wasm
// binaries as assets, and cross-origin isolation (COOP/COEP on every response of `vite` and `vite preview`) so the
// worker can run tfjs's multi-threaded wasm build; a static host must send the same two headers (docs/hosting.md).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { tfjsWasmThreads } from './vite/tfjs-wasm-threads.js';

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, hence wasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), tfjsWasmThreads()],
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  optimizeDeps: { rolldownOptions: { plugins: [tfjsWasmThreads()] } },
  server: { port: 5173, strictPort: false, headers: ISOLATION_HEADERS },
  preview: { port: 4173, headers: ISOLATION_HEADERS },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rolldownOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
});
