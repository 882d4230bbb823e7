import type { ModelFiles } from '../contracts/model-files';
import { ModelLoadError } from '../errors/model-load-error';
// Node built-ins only through #core-platform (see platform/core-platform.ts), so browser bundles have none.
import { corePlatform } from '#core-platform';

/**
 * {@link ModelFiles} over a local directory (Node). `node:fs` is imported lazily so that browser
 * bundles of core never touch it.
 */
export async function localModelFiles(directory: string): Promise<ModelFiles> {
  const fs = await corePlatform.fs();
  const path = await corePlatform.path();
  const location = path.resolve(directory);
  const stat = await fs.stat(location).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new ModelLoadError(
      `Model folder '${directory}' does not exist or is not a directory. Pass a local folder in the Hugging Face layout ` +
        `(config.json, tokenizer.json, model.safetensors), or to loadModel a Hugging Face Hub id such as ` +
        `'openai-community/gpt2' (downloaded into the Hugging Face cache).`,
    );
  }
  const list = async (): Promise<string[]> => {
    const entries = await fs.readdir(location, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile() || entry.isSymbolicLink())
      .map((entry) => path.relative(location, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
      .sort();
  };
  return {
    location,
    list,
    localPath: async (name) =>
      (await fs.stat(path.join(location, name)).catch(() => undefined))?.isFile() ? path.join(location, name) : undefined,
    has: async (name) => (await fs.stat(path.join(location, name)).catch(() => undefined))?.isFile() ?? false,
    read: async (name) => {
      try {
        return new Uint8Array(await fs.readFile(path.join(location, name)));
      } catch (cause) {
        throw new ModelLoadError(`${location} has no readable file '${name}'.`, { cause });
      }
    },
  };
}
