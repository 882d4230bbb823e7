import { ModelLoadError, type ModelFiles } from 'inseq';

/**
 * A model folder served over HTTP (`https://host/models/gpt2/`): each file is fetched relative to
 * the folder URL when first asked for, once; a 404 means the folder does not have it.
 */
export function urlModelFiles(folderUrl: string): ModelFiles {
  const base = folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`;
  const cache = new Map<string, Promise<Uint8Array | undefined>>();
  const get = (name: string) => {
    let entry = cache.get(name);
    if (entry === undefined) {
      entry = fetch(new URL(name, base)).then(async (response) => {
        if (response.status === 404) return undefined;
        if (!response.ok) throw new ModelLoadError(`GET ${new URL(name, base)} answered ${response.status} ${response.statusText}.`);
        return new Uint8Array(await response.arrayBuffer());
      });
      cache.set(name, entry);
    }
    return entry;
  };
  return {
    location: base.replace(/\/$/, ''),
    has: async (name) => (await get(name)) !== undefined,
    read: async (name) => {
      const bytes = await get(name);
      if (bytes === undefined) throw new ModelLoadError(`${base} has no file '${name}' (404).`);
      return bytes;
    },
  };
}
