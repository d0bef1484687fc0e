/**
 * tfjs registrations in Node (the default target of `#tfjs-register`, see tf.ts): gradients, chained tensor methods
 * and the CPU backend. tfjs-core's Node build (its CommonJS `main`) carries none of them, and its ES-module
 * registration files cannot be loaded by Node (extension-less imports), so they come from the umbrella package's
 * Node build, which registers them on the same tfjs-core instance. Never part of a browser bundle.
 */
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- the one place the umbrella is imported (above)
import '@tensorflow/tfjs';
