import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the demo model, relative to the repository root: trained on the corpus whose rates the study compares with. */
export const DEMO_MODEL = join('models', 'inseq-demo-gpt2');

/**
 * The demo model's folder, found by walking up from this file (works from `src/` and `dist/`), or
 * undefined when the repository does not have it.
 */
export function defaultModelPath(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let directory = from;
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(directory, DEMO_MODEL);
    if (existsSync(join(candidate, 'config.json'))) return candidate;
    directory = dirname(directory);
  }
  return undefined;
}
