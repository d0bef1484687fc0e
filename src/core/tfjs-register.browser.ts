/**
 * tfjs registrations for a browser bundle (chosen by the `browser` condition of `#tfjs-register`, see tf.ts):
 * gradients (training), chained tensor methods and the CPU backend, from tfjs-core's and tfjs-backend-cpu's ES modules.
 * The project's own code calls no chained method (it typechecks without them); they stay registered, as the umbrella
 * package registered them, for any dependency that does (about 8 KiB gzip).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
