// Vite config for the single-page app (and the benchmark page, bench.html): React, module Web Workers, the tfjs wasm
// binaries as assets, and cross-origin isolation (COOP/COEP on every response of `vite` and `vite preview`) so the
// worker can run tfjs's multi-threaded wasm build; a static host should send the same two headers (docs/hosting.md), and where
// it cannot, the service worker (sw.js, vite/offline.ts; production builds only) adds them — docs/teachers.md.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { tfjsWasmThreads } from './vite/tfjs-wasm-threads.js';
import { offline, SW_ENTRY, SW_FILE } from './vite/offline.js';

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, hence wasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), tfjsWasmThreads(), offline()],
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  optimizeDeps: { rolldownOptions: { plugins: [tfjsWasmThreads()] } },
  server: { port: 5173, strictPort: false, headers: ISOLATION_HEADERS },
  preview: { port: 4173, headers: ISOLATION_HEADERS },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // sw.js keeps one name across builds (a browser finds a new version by fetching the same URL).
      input: { main: 'index.html', bench: 'bench.html', sw: SW_ENTRY },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? SW_FILE : 'assets/[name]-[hash].js') },
    },
  },
});
