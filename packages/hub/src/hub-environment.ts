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
