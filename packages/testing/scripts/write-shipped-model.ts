/**
 * Regenerates the committed `models/tiny-gpt2/` (everything but its README) with the default
 * options. `src/shipped-model.test.ts` fails whenever the committed files differ from a fresh
 * generation, so run this after changing the generator on purpose, from the repository root:
 *
 *   bench/node_modules/.bin/tsx packages/testing/scripts/write-shipped-model.ts
 *
 * (`@inseq/core` must be built: `pnpm --filter @inseq/core build`.)
 */
import { fileURLToPath } from 'node:url';
import { writeTinyGpt2 } from '../src/index';

const directory = fileURLToPath(new URL('../../../models/tiny-gpt2/', import.meta.url));
await writeTinyGpt2(directory);
console.log(`wrote ${directory}`);
