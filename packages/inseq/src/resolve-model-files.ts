import { InseqError, ModelLoadError, type ModelFiles, localModelFiles } from '@inseq/core';
import { type HubModelFiles, type HubOptions, hubModelFiles, parseHubId } from '@inseq/hub';
import { inseqPlatform } from '#inseq-platform';

/** Whether `path` names an existing local file or folder (always false outside Node). */
async function existsLocally(path: string): Promise<boolean> {
  return inseqPlatform.pathExists(path);
}

/**
 * The files `loadModel` was given: an existing local path is a folder (it wins over a Hub id of the
 * same spelling, as in transformers); otherwise `'org/name'`, `'name'` or `'org/name@rev'` is a
 * Hugging Face Hub repository, downloaded lazily into the Hugging Face cache.
 */
export async function resolveModelFiles(pathOrId: string, hub: HubOptions): Promise<ModelFiles> {
  if (await existsLocally(pathOrId)) return localModelFiles(pathOrId);
  if (parseHubId(pathOrId) === undefined) {
    // Not a Hub id: the folder's own error says what a model folder must hold.
    return localModelFiles(pathOrId);
  }
  return hubModelFiles(pathOrId, hub);
}

function isHubModelFiles(files: ModelFiles): files is HubModelFiles {
  return typeof (files as Partial<HubModelFiles>).missingFiles === 'function';
}

/**
 * Offline, a load that failed because files were not cached says which: every file the backend
 * asked for that the cache lacks, and where the cache is.
 */
export function offlineLoadError(files: ModelFiles, error: unknown): unknown {
  if (!isHubModelFiles(files) || !files.offline) return error;
  const missing = files.missingFiles();
  if (missing.length === 0 || (InseqError.isInstance(error) && error.code === 'NOT_IN_CACHE' && missing.length === 1)) return error;
  return new ModelLoadError(
    `Offline (HF_HUB_OFFLINE=1): ${files.repoId}@${files.revision} (commit ${files.commit}) cannot be loaded from the cache ` +
      `${files.cacheLocation}; files asked for and not cached: ${missing.join(', ')}. Run once online with the same backend and dtype.`,
    { code: 'NOT_IN_CACHE', cause: error },
  );
}
