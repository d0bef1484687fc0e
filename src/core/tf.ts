/**
 * The one door to tfjs for the whole project: tfjs-core's API, with what training needs registered first — every
 * kernel's gradient, the chained tensor methods (`x.reshape(…)`) and the CPU backend (the last fallback, always
 * there). `import * as tf from '…/core/tf'` replaces `import * as tf from '@tensorflow/tfjs'`; the umbrella package
 * would also bundle tfjs-layers, -data and -converter, which nothing here uses. The WebGPU and WebGL backends are loaded
 * by backend.ts only when chosen.
 *
 * `#tfjs-register` is a package.json subpath import with two targets: in a browser bundle, tfjs-register.browser.ts
 * (tfjs-core's own ES-module registrations); in Node (CLI, unit tests), tfjs-register.node.ts, because those ES
 * modules use extension-less imports that Node cannot load.
 */
import '#tfjs-register';

export * from '@tensorflow/tfjs-core';
