/**
 * Makes tfjs-backend-wasm's multi-threaded build survive a minified bundle (design.md §10).
 *
 * The cause: tfjs starts each emscripten pthread worker by handing it `'var WasmBackendModuleThreadedSimd = ' +
 * factory.toString()` as a Blob, and the worker evaluates that source at its top level. `toString()` gives the inner
 * factory function only, without the closure it was written in. Emscripten's code reads the closure's `_scriptDir`
 * behind a guard (`typeof _scriptDir !== "undefined" && _scriptDir`), which is safe unminified; the minifier renames
 * `_scriptDir` to a short name (`e`) and, knowing it is declared in scope, rewrites the guard to `e !== void 0 && e`.
 * In the worker no `e` exists: `ReferenceError: e is not defined`, the pool never loads, and `tf.setBackend('wasm')`
 * waits forever.
 *
 * The fix: give the factory a `toString` that returns emscripten's own source, untouched by the minifier and
 * self-contained (it declares `_scriptDir` itself). The main thread still runs the bundled factory; the workers
 * evaluate the package's published file.
 *
 * A second limit: tfjs's C++ (backend.cc) takes `emscripten_num_logical_cores() / 2` as the number of cores ("many
 * x86-64 processors have 2 threads per core") and caps its thread pool there, whatever `setThreadsCount` asks — so
 * on a 2-core machine the threaded build runs one thread. The file's `_emscripten_num_logical_cores` (it reads
 * navigator.hardwareConcurrency) is made to report twice that, which undoes the halving: the pool is then
 * min(setThreadsCount, 8, hardwareConcurrency), and the worker chooses the count (one per core, core/backend.ts).
 */
import type { Plugin } from 'vite';

/** The module whose factory tfjs stringifies for its pthread workers. */
export const THREADED_FACTORY =
  /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;

/** How emscripten's `_emscripten_num_logical_cores` answers in the browser. */
const LOGICAL_CORES = 'return navigator["hardwareConcurrency"]';

/**
 * The module's source with a `toString` on its factory that returns the original source as an expression: an IIFE
 * that runs the file and yields `WasmBackendModuleThreadedSimd` (the file's CommonJS/AMD exports are skipped in a
 * worker, where `exports`, `module` and `define` do not exist), and the logical-core count doubled (see above).
 */
export function patchThreadedFactory(original: string): string {
  if (!original.includes('var WasmBackendModuleThreadedSimd ='))
    throw new Error(
      'tfjs-wasm-threads: the threaded wasm factory no longer declares WasmBackendModuleThreadedSimd; check the tfjs-backend-wasm version',
    );
  if (!original.includes(LOGICAL_CORES))
    throw new Error(
      'tfjs-wasm-threads: the threaded wasm factory no longer reads navigator.hardwareConcurrency as expected; check the tfjs-backend-wasm version',
    );
  const code = original.replace(LOGICAL_CORES, 'return 2*navigator["hardwareConcurrency"]');
  const selfContained = `(function () {\n${code}\nreturn WasmBackendModuleThreadedSimd;\n})()`;
  return `${code}\n;WasmBackendModuleThreadedSimd.toString = function () { return ${JSON.stringify(selfContained)}; };\n`;
}

/** The Vite/Rolldown plugin: patch the threaded factory wherever it is bundled (app, worker, dev pre-bundling). */
export function tfjsWasmThreads(): Plugin {
  return {
    name: 'tfjs-wasm-threads',
    transform(code, id) {
      if (!THREADED_FACTORY.test(id.split('?')[0])) return null;
      return { code: patchThreadedFactory(code), map: null };
    },
  };
}
