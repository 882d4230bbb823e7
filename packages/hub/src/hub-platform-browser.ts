import { cacheApiStore } from './cache-api-store';
import { type HubEnvironment, hubEnvironmentFromVariables } from './hub-environment';
import type { HubFileStore } from './hub-file-store';

/**
 * Reads the Hub settings from `env` as huggingface_hub (Python) does: `HF_ENDPOINT`, `HF_TOKEN`,
 * `HF_HUB_OFFLINE`; in Node also the token file of `huggingface-cli login` and the cache folder
 * (`HF_HUB_CACHE`, `HF_HOME`), `env` defaulting to `process.env`. In browsers `env` defaults to
 * `{}` and there is no token file nor cache folder. The one place inseq-ts reads `HF_*` variables;
 * explicit options of {@link hubModelFiles} win over what is found here.
 */
export function readHubEnvironment(env: Readonly<Record<string, string | undefined>> = {}): HubEnvironment {
  return hubEnvironmentFromVariables(env);
}

/** The store of one repository: the Cache API (`cacheDir` has no meaning in a browser). */
export function createHubStore(repoId: string, endpoint: string, _cacheDir: string | undefined, repoType: 'model' | 'dataset' = 'model'): HubFileStore {
  return cacheApiStore(repoType === 'dataset' ? `datasets/${repoId}` : repoId, endpoint);
}
