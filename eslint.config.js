// ESLint flat config: typescript-eslint recommended + React hooks rules, and the house's layers as rules
// (docs/architecture.md §1): who may import tfjs, React, the DOM and which other folder. Zero warnings allowed
// (`npm run lint`); tests/unit/lint-rules.test.ts runs a probe against every rule so none can vanish silently.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const UMBRELLA = {
  name: '@tensorflow/tfjs',
  message:
    'Import tfjs through src/core/tf.ts (tfjs-core with its gradients and the CPU backend): the umbrella package also bundles tfjs-layers, -data and -converter, which nothing here uses.',
};
const TFJS = {
  regex: '^@tensorflow/',
  message:
    'Only src/core and src/worker import tfjs; elsewhere use src/core (its tf.ts, or a function that wraps the work).',
};
const REACT = {
  regex: '^(react|react-dom|recharts|zustand)(/|$)',
  message: 'React and its libraries belong in src/app.',
};
const NODE = {
  regex: '^node:',
  message: 'Node built-ins belong in src/cli (the Node entry points); this code also runs in the browser.',
};
/** A relative import that climbs out of the folder into another layer: `../app/…`, `../../worker/…`. */
const layer = (names, message) => ({ regex: `^(\\.\\./)+(${names})(/|$)`, message });
const WORKER_PROTOCOL = {
  regex: '^(\\.\\./)+worker/(protocol|bench-protocol)$',
  allowTypeImports: true,
  message: 'Only types cross from the worker: use `import type` for the worker protocol.',
};
const WORKER_INTERNALS = {
  regex: '^(\\.\\./)+worker/(?!(protocol|bench-protocol)$)',
  message:
    'Only the worker protocol (type-only) crosses from src/worker; shared browser code lives in src/browser (e.g. persist.ts).',
};

/** `import('…')` is not seen by no-restricted-imports: the same tfjs rule for dynamic imports. */
const NO_DYNAMIC_TFJS = {
  selector: 'ImportExpression[source.value=/^@tensorflow\\u002F/]',
  message: TFJS.message,
};

/** The rule's options for a folder: its patterns, plus the umbrella ban where tfjs is not already banned outright. */
const restrict = (...patterns) => [
  'error',
  { paths: patterns.some((p) => p.regex === TFJS.regex) ? [] : [UMBRELLA], patterns },
];

/** DOM and worker globals src/core may not touch: the caller passes in what it needs (e.g. backend.ts's BackendEnv). */
const DOM_GLOBALS = [
  'window',
  'document',
  'navigator',
  'location',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'HTMLElement',
  'HTMLCanvasElement',
  'HTMLImageElement',
  'Image',
  'OffscreenCanvas',
  'createImageBitmap',
  'requestAnimationFrame',
  'alert',
  'self',
  'postMessage',
  'importScripts',
].map((name) => ({
  name,
  message: `src/core runs in Node and in the worker: no DOM or worker globals (${name}); take it as a parameter.`,
}));

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'public', '.gl', '.whl'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Everywhere (tests included): tfjs through src/core/tf.ts, never the umbrella.
      '@typescript-eslint/no-restricted-imports': restrict(),
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Pure TypeScript + tfjs: no React, no DOM, no Node built-ins, no other layer.
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        REACT,
        NODE,
        layer('app|worker|browser|cli', 'src/core imports no other layer: the others import it.'),
      ),
      'no-restricted-globals': ['error', ...DOM_GLOBALS],
    },
  },
  {
    // The worker owns the core in the browser: tfjs yes; React, Node, the page and the CLI no.
    files: ['src/worker/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        REACT,
        NODE,
        layer('app|cli', 'src/worker imports src/core, src/browser and its own modules only.'),
      ),
    },
  },
  {
    // Code both the page and the worker run (IndexedDB): no tfjs, no React, no Node; worker types only.
    files: ['src/browser/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        TFJS,
        REACT,
        NODE,
        WORKER_PROTOCOL,
        WORKER_INTERNALS,
        layer('app|cli', 'src/browser is imported by src/app and src/worker, never the reverse.'),
      ),
      'no-restricted-syntax': ['error', NO_DYNAMIC_TFJS],
    },
  },
  {
    // React: never tfjs (the worker owns the core); from the worker only its type-only protocol.
    files: ['src/app/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        { ...TFJS, message: 'The app never imports tfjs: the worker owns the core.' },
        NODE,
        WORKER_PROTOCOL,
        WORKER_INTERNALS,
        layer('cli', 'src/cli is Node-only.'),
      ),
      'no-restricted-syntax': [
        'error',
        { ...NO_DYNAMIC_TFJS, message: 'The app never imports tfjs: the worker owns the core.' },
      ],
    },
  },
  {
    // Node entry points: tfjs only through src/core; no React, no page, no IndexedDB; worker types only.
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        TFJS,
        REACT,
        WORKER_PROTOCOL,
        WORKER_INTERNALS,
        layer('app|browser', 'src/cli runs in Node: src/app and src/browser are browser-only.'),
      ),
      'no-restricted-syntax': ['error', NO_DYNAMIC_TFJS],
    },
  },
);
