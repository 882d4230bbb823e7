/**
 * The one door to TensorFlow.js in this package: every other module imports `./tf` (or the
 * relative path to it), never a `@tensorflow/*` package.
 *
 * It re-exports tfjs-core's API and, as side effects, registers what the umbrella
 * `@tensorflow/tfjs` would: the gradients of every op (without them `tf.grad` throws "gradient
 * function not found"), the chained ops (`x.add(y)`), and the cpu, wasm and webgl backends.
 *
 * tfjs-core's `dist/*.js` files are ES modules inside a package without `"type": "module"`, so
 * Node cannot import the two registration modules directly: tsup bundles them into this
 * package's dist (see tsup.config.ts), exactly as the umbrella's Node build does. That bundled
 * copy shares tfjs-core's engine, kernel registry, gradient registry and Tensor class through
 * tfjs-core's globals, so it registers into the one `@tensorflow/tfjs-core` a program uses,
 * whether or not the umbrella is loaded too. `@tensorflow/tfjs-core` is imported first so that
 * its engine (whose Tensor class carries the op handler) is the global one.
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';

export * from '@tensorflow/tfjs-core';
// Registers the wasm backend too; `setWasmPaths` tells it where its .wasm binaries are.
export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
