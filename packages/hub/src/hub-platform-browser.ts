import { cacheApiStore } from './cache-api-store';
import type { HubEnvironment } from './hub-environment';
import type { HubFileStore } from './hub-file-store';

/** Browsers have no environment variables: every setting comes from the options. */
export function readHubEnvironment(): HubEnvironment {
  return {};
}

/** The store of one repository: the Cache API (`cacheDir` has no meaning in a browser). */
export function createHubStore(repoId: string, endpoint: string, _cacheDir: string | undefined): HubFileStore {
  return cacheApiStore(repoId, endpoint);
}
