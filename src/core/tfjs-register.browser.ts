/**
 * tfjs registrations for a browser bundle (chosen by the `browser` condition of `#tfjs-register`, see tf.ts):
 * gradients (training), chained tensor methods and the CPU backend, from tfjs-core's and tfjs-backend-cpu's ES modules.
 * The project's own code calls no chained method (it typechecks without them); they stay registered, as the umbrella
 * package registered them, for any dependency that does (about 8 KiB gzip).
 */
// tfjs-core's own entry first: its side effects register the environment flags (DEBUG, …). Vite's dev server
// pre-bundles each import path on its own, and without this the gradients' chunk ran before the flags' chunk, so
// `npm start` failed with "Cannot evaluate flag 'DEBUG'" (the production build orders them right by itself).
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
