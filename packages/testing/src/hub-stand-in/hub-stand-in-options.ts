/** One file of a stand-in revision: its bytes or its text. */
export type HubStandInFile = Uint8Array | string;

/** A repository the {@link startHubStandIn} stand-in serves. */
export interface HubStandInRepo {
  /** `'org/name'` (or a legacy one-part `'name'`). */
  readonly id: string;
  /**
   * Branches (`main`) and tags, each with the files of its commit. Every revision becomes one
   * commit whose sha is derived from its content, so the same files give the same sha in every run.
   */
  readonly revisions: Readonly<Record<string, Readonly<Record<string, HubStandInFile>>>>;
  /**
   * Gated: the repository's info and file listing are public but files need a token from
   * {@link HubStandInOptions.tokens} (401 without one, 403 with an unknown one), as on the Hub.
   */
  readonly gated?: boolean;
  /** Private: every request without a known token is answered 401, as on the Hub. */
  readonly private?: boolean;
  /** A dataset repository: served under `/api/datasets/<id>/…` and `/datasets/<id>/resolve/…`. @defaultValue `'model'` */
  readonly type?: 'model' | 'dataset';
}

/** A failure the stand-in injects while serving a file's bytes (`resolve`). */
export interface HubStandInFault {
  /** Repository id and file path the fault applies to. */
  readonly repo: string;
  readonly path: string;
  /**
   * `'drop'`: send the headers and about half the bytes, then destroy the socket (a dropped
   * connection). `'corrupt'`: send every byte with the right headers, one byte flipped.
   */
  readonly kind: 'drop' | 'corrupt';
  /** How many file downloads get the fault before the stand-in serves the file correctly. @defaultValue Infinity */
  readonly times?: number;
}

/** Options of {@link startHubStandIn}. */
export interface HubStandInOptions {
  readonly repos: readonly HubStandInRepo[];
  /** Tokens (`hf_…`) accepted for gated and private repositories. @defaultValue none */
  readonly tokens?: readonly string[];
  readonly faults?: readonly HubStandInFault[];
  /**
   * Which files are stored with Git LFS (their `ETag` is the sha256 of the content, as on the Hub).
   * @defaultValue weights and ONNX files (`.safetensors`, `.bin`, `.onnx`, `.onnx_data`, `.h5`, `.msgpack`) and files of 10 MiB or more
   */
  readonly isLfs?: (path: string, size: number) => boolean;
}

/** One request the stand-in answered. */
export interface HubStandInRequest {
  readonly method: string;
  /** Path and query (`/org/name/resolve/main/config.json`). */
  readonly url: string;
  readonly status: number;
  /** The `Range` header, when sent. */
  readonly range?: string;
  /** Whether an `Authorization` header was sent. */
  readonly authorized: boolean;
}

/** A running Hub stand-in. */
export interface HubStandIn {
  /** `http://127.0.0.1:<port>`: pass as `endpoint` / `HF_ENDPOINT`. */
  readonly endpoint: string;
  /** Every request answered so far, in order. */
  readonly requests: readonly HubStandInRequest[];
  /** The commit sha of `revision` (a branch or tag) of `repo`. */
  commitOf(repo: string, revision?: string): string;
  /** Requests for a file's bytes (`resolve` without `Range: bytes=0-0` probes) of `path`, optionally in one repo. */
  downloadsOf(path: string, repo?: string): HubStandInRequest[];
  close(): Promise<void>;
}
