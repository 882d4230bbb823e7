import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the model the repo ships, relative to the repository root. */
export const SHIPPED_MODEL = join('models', 'inseq-demo-gpt2');

/**
 * The model used when `--model-name-or-path` is absent: `INSEQ_DEFAULT_MODEL`, else the shipped
 * model found by walking up from this file (works from `src/` and from `dist/`).
 */
export function defaultModelPath(): string | undefined {
  if (process.env.INSEQ_DEFAULT_MODEL) return process.env.INSEQ_DEFAULT_MODEL;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(directory, SHIPPED_MODEL);
    if (existsSync(join(candidate, 'config.json'))) return candidate;
    directory = dirname(directory);
  }
  return undefined;
}

/**
 * How the default model is named in output: `INSEQ_DEFAULT_MODEL` as set, else the shipped
 * folder relative to the repository root (`models/inseq-demo-gpt2`), the same on every machine
 * wherever the clone lives.
 */
export function defaultModelLabel(): string {
  return process.env.INSEQ_DEFAULT_MODEL || SHIPPED_MODEL.split(/[\\/]/).join('/');
}
