import { ModelLoadError } from '@inseq/core';
import type { SafetensorsTensor } from '../safetensors/read-safetensors';

/**
 * Checks that every expected weight is present with the shape the config implies, before any
 * tensor is created. `lacks(shown)` words the missing-weights error for the architecture (which
 * tensors it expected, named how); `shown` lists up to five missing names.
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming the missing or misshapen tensors.
 */
export function checkExpectedWeights(
  byName: ReadonlyMap<string, SafetensorsTensor>,
  expected: ReadonlyMap<string, readonly number[]>,
  fileName: string,
  lacks: (shown: string) => string,
): void {
  const missing = [...expected.keys()].filter((name) => !byName.has(name));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    throw new ModelLoadError(lacks(shown), { code: 'INVALID_FILE' });
  }
  for (const [name, shape] of expected) {
    const actual = byName.get(name)!.shape;
    if (actual.length !== shape.length || actual.some((dim, i) => dim !== shape[i])) {
      throw new ModelLoadError(
        `${fileName}: tensor '${name}' has shape [${actual.join(', ')}] but config.json implies [${shape.join(', ')}]; check that config.json belongs to these weights.`,
        { code: 'INVALID_FILE' },
      );
    }
  }
}
