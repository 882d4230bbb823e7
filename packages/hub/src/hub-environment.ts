/** The Hub settings found in the environment (each absent when not set). */
export interface HubEnvironment {
  /** `HF_ENDPOINT`, without a trailing `/`. */
  readonly endpoint?: string;
  /** `HF_TOKEN`, else the token file (`HF_TOKEN_PATH`, else `HF_HOME/token`) that `huggingface-cli login` writes. */
  readonly token?: string;
  /** `HF_HUB_OFFLINE` set to `1`, `ON`, `YES` or `TRUE` (any case). */
  readonly offline?: boolean;
  /** The cache folder: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`. */
  readonly cacheDir?: string;
}

const TRUE_VALUES = new Set(['1', 'on', 'yes', 'true']);

/**
 * The settings found in the variables themselves (`HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_OFFLINE`), as
 * huggingface_hub parses them; the Node reader adds the token file and the cache folder.
 */
export function hubEnvironmentFromVariables(env: Readonly<Record<string, string | undefined>>): HubEnvironment {
  const endpoint = env.HF_ENDPOINT?.replace(/\/+$/, '') || undefined;
  const token = env.HF_TOKEN || undefined;
  return {
    ...(endpoint !== undefined && { endpoint }),
    ...(token !== undefined && { token }),
    ...(env.HF_HUB_OFFLINE !== undefined && { offline: TRUE_VALUES.has(env.HF_HUB_OFFLINE.trim().toLowerCase()) }),
  };
}
