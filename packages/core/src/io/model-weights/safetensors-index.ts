import { ModelLoadError } from '../../errors/model-load-error';
import { escapeUntrusted, quoteUntrusted, untrustedJson } from '../../errors/quote-untrusted';

/** The parsed `model.safetensors.index.json` of a sharded checkpoint. */
export interface SafetensorsIndex {
  /** The index's `metadata` (`total_size`, …), as written. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Tensor name → the shard file (relative to the folder) that holds it. */
  readonly weightMap: ReadonlyMap<string, string>;
  /** The distinct shard files, in the order they are first named. */
  readonly shards: readonly string[];
}

/**
 * Parses and validates a safetensors index (`{ "metadata": {…}, "weight_map": { tensor: shard } }`,
 * as transformers' `save_pretrained` writes it for checkpoints above `max_shard_size`).
 *
 * @param bytes - the index file.
 * @param name - how the index is named in errors (`folder/model.safetensors.index.json`).
 * @throws {@link ModelLoadError} `'INVALID_FILE'` for bad JSON, a missing or malformed
 *   `weight_map`, an empty map, or a shard name that is not a plain file name of the folder.
 */
export function parseSafetensorsIndex(bytes: Uint8Array, name: string): SafetensorsIndex {
  const invalid = (what: string): never => {
    throw new ModelLoadError(
      `${name} is not a valid safetensors index: ${what}. Expected {"metadata": {...}, "weight_map": {"tensor name": "model-00001-of-00002.safetensors", ...}} ` +
        'as written by save_pretrained(folder, safe_serialization=True).',
      { code: 'INVALID_FILE' },
    );
  };
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    invalid(`it is not JSON (${escapeUntrusted((cause as Error).message)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid('it is not a JSON object');
  const { metadata = {}, weight_map: weightMapRaw } = raw as Record<string, unknown>;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) invalid('its "metadata" is not an object');
  if (typeof weightMapRaw !== 'object' || weightMapRaw === null || Array.isArray(weightMapRaw)) invalid('it has no "weight_map" object');
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [tensor, shard] of Object.entries(weightMapRaw as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '') invalid(`tensor ${quoteUntrusted(tensor, 120)} maps to ${untrustedJson(shard, 80)}, not a shard file name`);
    // Shards live beside the index; a path leaving the folder would read files the model does not own.
    const parts = (shard as string).split(/[\\/]/);
    if ((shard as string).startsWith('/') || /^[A-Za-z]:/.test(shard as string) || parts.some((part) => part === '..' || part === '')) {
      invalid(`tensor ${quoteUntrusted(tensor, 120)} maps to ${quoteUntrusted(shard as string, 120)}, which is not a file inside the model folder`);
    }
    if (!(shard as string).endsWith('.safetensors')) invalid(`tensor ${quoteUntrusted(tensor, 120)} maps to ${quoteUntrusted(shard as string, 120)}, which is not a .safetensors file`);
    // Shard names end up in messages and file paths: control characters have no business there.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them.
    if (/[\u0000-\u001f\u007f-\u009f]/.test(shard as string)) {
      invalid(`tensor ${quoteUntrusted(tensor, 120)} maps to ${quoteUntrusted(shard as string, 120)}, a file name with control characters`);
    }
    weightMap.set(tensor, shard as string);
    if (!shards.includes(shard as string)) shards.push(shard as string);
  }
  if (weightMap.size === 0) invalid('its "weight_map" is empty');
  return { metadata: metadata as Record<string, unknown>, weightMap, shards };
}
