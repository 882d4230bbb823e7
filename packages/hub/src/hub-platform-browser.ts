import { cacheApiStore } from './cache-api-store';
import { type HubEnvironment, hubEnvironmentFromVariables } from './hub-environment';
import type { HubFileStore } from './hub-file-store';

/**
 * Browsers have no environment variables: the settings come from the options, or from `env` when
 * a page passes one (same signature as in Node). No token file, no cache folder.
 */
export function readHubEnvironment(env: Readonly<Record<string, string | undefined>> = {}): HubEnvironment {
  return hubEnvironmentFromVariables(env);
}

/** The store of one repository: the Cache API (`cacheDir` has no meaning in a browser). */
export function createHubStore(repoId: string, endpoint: string, _cacheDir: string | undefined): HubFileStore {
  return cacheApiStore(repoId, endpoint);
}
