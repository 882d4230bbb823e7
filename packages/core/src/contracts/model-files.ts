import { ModelLoadError } from '../errors/model-load-error';
import { escapeUntrusted, untrustedJson } from '../errors/quote-untrusted';

/**
 * Read access to the files of a model folder in the Hugging Face layout. Node reads a directory,
 * the browser a set of `File`s or URLs; loaders see only this.
 */
export interface ModelFiles {
  /** Where the files come from, for messages (`/models/tiny-gpt2`). */
  readonly location: string;
  has(name: string): Promise<boolean>;
  /** The file's bytes; throws {@link ModelLoadError} when it is missing. */
  read(name: string): Promise<Uint8Array>;
  /**
   * Every file name of the folder (`'onnx/model.onnx'`, with `/` as separator), sorted; for
   * layouts that must be discovered (shards, ONNX variants) and for messages naming what was found.
   * Absent where the source cannot list (a set of URLs).
   */
  list?(): Promise<string[]>;
  /**
   * A path on the local file system holding the file, for runtimes that read large files
   * themselves (ONNX external data) instead of from a copy in memory; `undefined` where the file
   * is not on a local disk (browser, memory). May fetch the file first (a Hub cache).
   */
  localPath?(name: string): Promise<string | undefined>;
}

/**
 * Reads and parses a JSON file of the folder that must hold a JSON object (every JSON file of the
 * Hugging Face layout does: config.json, tokenizer files, generation_config.json, indexes).
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` naming the file on bad JSON (the parser's words,
 *   with the file's bytes escaped: {@link escapeUntrusted}) or on JSON that is not an object
 *   (`null`, a list, a number), saying what it holds instead.
 */
export async function readJsonFile<T = Record<string, unknown>>(files: ModelFiles, name: string): Promise<T> {
  const bytes = await files.read(name);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ModelLoadError(`${files.location}/${name} is not valid JSON: ${escapeUntrusted((cause as Error).message)}.`, {
      code: 'INVALID_FILE',
      cause,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const holds = value === null ? 'null' : Array.isArray(value) ? `a list (${untrustedJson(value, 40)})` : `${typeof value} ${untrustedJson(value, 40)}`;
    throw new ModelLoadError(`${files.location}/${name} is not a JSON object: it holds ${holds}; expected {"key": value, ...} as transformers writes it.`, {
      code: 'INVALID_FILE',
    });
  }
  return value as T;
}

/** {@link ModelFiles} over an in-memory map (tests, browser uploads). */
export function memoryModelFiles(entries: Record<string, Uint8Array | string>, location = 'memory'): ModelFiles {
  const encoder = new TextEncoder();
  return {
    location,
    has: async (name) => name in entries,
    list: async () => Object.keys(entries).sort(),
    read: async (name) => {
      const entry = entries[name];
      if (entry === undefined) {
        throw new ModelLoadError(`${location} has no file '${name}'.`);
      }
      return typeof entry === 'string' ? encoder.encode(entry) : entry;
    },
  };
}
