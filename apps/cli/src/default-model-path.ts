import { existsSync } from 'node:fs';
import { InvalidInputError } from 'inseq';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the model the repo ships, relative to the repository root. */
export const SHIPPED_MODEL = join('models', 'inseq-demo-gpt2');

/**
 * The model used when `--model-name-or-path` is absent: `INSEQ_DEFAULT_MODEL`, else the shipped
 * model found by walking up from `from` (this file's folder: works from `src/` and from `dist/`
 * of a clone; an installed CLI finds none).
 */
export function defaultModelPath(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  if (process.env.INSEQ_DEFAULT_MODEL) return process.env.INSEQ_DEFAULT_MODEL;
  let directory = from;
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

/**
 * The model to load: `-m` as given, else the default one; without either, an error that points
 * to `-m` (the shipped model is in a clone of the repository only, not in an installed CLI).
 */
export function requireModelPath(flag: string | undefined, findDefault: () => string | undefined): string {
  const path = flag ?? findDefault();
  if (path !== undefined) return path;
  throw new InvalidInputError(
    `No model given: pass -m <Hub id or model folder>, e.g. -m openai-community/gpt2 or -m path/to/gpt2-folder. Without -m the CLI uses ${SHIPPED_MODEL.split(/[\\/]/).join('/')}, which exists only in a clone of the inseq-ts repository (or set INSEQ_DEFAULT_MODEL).`,
    { code: 'INVALID_ARGUMENT' },
  );
}
