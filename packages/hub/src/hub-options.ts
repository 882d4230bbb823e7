/** Progress of one file download, reported by {@link HubOptions.onProgress}. */
export interface HubProgress {
  /** Repository id (`'org/name'`). */
  readonly repoId: string;
  /** File path in the repository (`'onnx/model_quantized.onnx'`). */
  readonly file: string;
  /** Bytes of the file received so far (resumed bytes included). */
  readonly loaded: number;
  /** The file's size in bytes, from the Hub's file listing. */
  readonly total: number;
  /** True on the last report of the file (verified and cached). */
  readonly done: boolean;
}

/**
 * Options of {@link hubModelFiles}. Each one left out is read from the environment as Hugging
 * Face's Python clients read it (Node only; see `readHubEnvironment`); an explicit option wins.
 */
export interface HubOptions {
  /** Branch, tag or commit sha. @defaultValue `'main'` (or the `@rev` of the id) */
  readonly revision?: string;
  /** Access token (`hf_…`) for gated and private repositories. @defaultValue `HF_TOKEN`, else the token file `huggingface-cli login` writes */
  readonly token?: string;
  /** The Hub's URL. @defaultValue `HF_ENDPOINT`, else `https://huggingface.co` */
  readonly endpoint?: string;
  /**
   * The Hugging Face cache folder (Node), shared with Python's huggingface_hub and transformers.
   * @defaultValue `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`
   */
  readonly cacheDir?: string;
  /**
   * Cache only: no request is made; the revision resolves through the cache's `refs/`.
   * @defaultValue `HF_HUB_OFFLINE=1`
   */
  readonly offline?: boolean;
  /** Called as each downloaded file's bytes arrive. */
  readonly onProgress?: (progress: HubProgress) => void;
  /** A `fetch` to use instead of the global one (proxies, tests). */
  readonly fetch?: typeof fetch;
  /**
   * Which kind of repository the id names: `'dataset'` reads `<endpoint>/api/datasets/<id>` and
   * `<endpoint>/datasets/<id>/resolve/<rev>/<file>`, cached under `datasets--org--name`.
   * @defaultValue `'model'`
   */
  readonly repoType?: 'model' | 'dataset';
}

/** The Hub's public URL, the default endpoint. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
