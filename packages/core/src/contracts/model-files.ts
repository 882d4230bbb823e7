import { ModelLoadError } from '../errors/model-load-error';

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

/** Reads and parses a JSON file of the folder, with an error naming the file on bad JSON. */
export async function readJsonFile<T = Record<string, unknown>>(files: ModelFiles, name: string): Promise<T> {
  const bytes = await files.read(name);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (cause) {
    throw new ModelLoadError(`${files.location}/${name} is not valid JSON: ${(cause as Error).message}.`, {
      code: 'INVALID_FILE',
      cause,
    });
  }
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
