import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fsCacheStore } from './fs-cache-store';
import { type HubEnvironment, hubEnvironmentFromVariables } from './hub-environment';
import type { HubFileStore } from './hub-file-store';

/**
 * Reads the Hub settings from `env` as huggingface_hub (Python) does: `HF_ENDPOINT`, `HF_TOKEN`,
 * `HF_HUB_OFFLINE`; in Node also the token file of `huggingface-cli login` and the cache folder
 * (`HF_HUB_CACHE`, `HF_HOME`), `env` defaulting to `process.env`. In browsers `env` defaults to
 * `{}` and there is no token file nor cache folder. The one place inseq-ts reads `HF_*` variables;
 * explicit options of {@link hubModelFiles} win over what is found here.
 */
export function readHubEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): HubEnvironment {
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  const found = hubEnvironmentFromVariables(env);
  let token = found.token;
  if (token === undefined) {
    try {
      token = readFileSync(env.HF_TOKEN_PATH ?? join(home, 'token'), 'utf8').trim() || undefined;
    } catch {
      // No token file: anonymous, as with huggingface_hub.
    }
  }
  return {
    ...found,
    ...(token !== undefined && { token }),
    // HUGGINGFACE_HUB_CACHE is the older name huggingface_hub still honours.
    cacheDir: env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(home, 'hub'),
  };
}

/** The store of one repository: the Hugging Face cache folder `cacheDir/models--org--name` (`datasets--org--name` for datasets). */
export function createHubStore(repoId: string, _endpoint: string, cacheDir: string | undefined, repoType: 'model' | 'dataset' = 'model'): HubFileStore {
  return fsCacheStore(join(cacheDir ?? readHubEnvironment().cacheDir!, `${repoType}s--${repoId.split('/').join('--')}`));
}
