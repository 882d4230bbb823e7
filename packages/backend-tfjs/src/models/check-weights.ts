import { ModelLoadError, quoteUntrusted } from '@inseq/core';
import type { SafetensorsTensor } from '../safetensors/read-safetensors';

/** A tensor name with every numeric segment (`.3.`, a layer or block index) made `#`: the name of that tensor in any layer. */
function layerTemplate(name: string): string {
  return name.replace(/(^|\.)\d+(?=\.|$)/g, '$1#');
}

/**
 * Checks that every expected weight is present with the shape the config implies, before any
 * tensor is created, and that the file holds no tensors of layers the config does not have (a
 * name the loader would use in another layer, e.g. `h.1.mlp.c_fc.weight` with `n_layer: 1`): such
 * weights would be silently ignored, so config.json does not describe the checkpoint. `lacks(shown)` words the missing-weights error for the architecture (which
 * tensors it expected, named how); `shown` lists up to five missing names.
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming the missing, misshapen or extra-layer tensors.
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
  const templates = new Set([...expected.keys()].map(layerTemplate));
  const extra = [...byName.keys()].filter((name) => !expected.has(name) && /(^|\.)\d+\./.test(name) && templates.has(layerTemplate(name)));
  if (extra.length > 0) {
    const shown = extra.slice(0, 5).map((name) => quoteUntrusted(name, 120)).join(', ') + (extra.length > 5 ? `, … (${extra.length} in all)` : '');
    throw new ModelLoadError(
      `${fileName} holds weights of layers that config.json does not have: ${shown}; they would be ignored. ` +
        'The layer counts of config.json (n_layer / num_hidden_layers / encoder_layers / num_layers, …) must match the checkpoint: ' +
        'use the config.json saved with these weights.',
      { code: 'INVALID_FILE' },
    );
  }
  for (const [name, shape] of expected) {
    const actual = byName.get(name)!.shape;
    if (actual.length !== shape.length || actual.some((dim, i) => dim !== shape[i])) {
      throw new ModelLoadError(
        `${fileName}: tensor ${quoteUntrusted(name, 120)} has shape [${actual.join(', ')}] but config.json implies [${shape.join(', ')}]; check that config.json belongs to these weights.`,
        { code: 'INVALID_FILE' },
      );
    }
  }
}
