import type { FeatureAttributionOutput } from 'inseq';

/**
 * Where the worker finds the model: a folder URL (the shipped model, or one the user typed), picked
 * files, or a Hugging Face Hub id fetched from `endpoint` and kept in the Cache API.
 */
export type ModelSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'hub'; readonly id: string; readonly endpoint: string; readonly token?: string }
  | { readonly kind: 'files'; readonly name: string; readonly files: Readonly<Record<string, Blob>> };

/** A backend and device the page offers, as `backend:device` (`tfjs:wasm`, `ort:webgpu`). */
export type EngineId = `${'tfjs' | 'ort'}:${string}`;

/** The one request the worker takes; a new worker is started for each (cancel = terminate). */
export interface AttributeRequest {
  readonly type: 'attribute';
  /** The page's base URL: tfjs' wasm runtimes are under `tfjs/` of it. */
  readonly assetBase: string;
  readonly model: ModelSource;
  readonly engine: EngineId;
  readonly input: string;
  /** Forced continuation, starting with the input; none to generate. */
  readonly generated?: string;
  /** Tokens to generate when there is no forced continuation. */
  readonly maxNewTokens: number;
  readonly method: string;
  readonly methodOptions: Readonly<Record<string, unknown>>;
  readonly attributedFn: string;
  readonly stepScores: readonly string[];
}

/** What the worker posts back. */
export type WorkerMessage =
  | { readonly type: 'status'; readonly text: string }
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | {
      readonly type: 'result';
      readonly output: FeatureAttributionOutput;
      /** Milliseconds spent loading the model and in `attribute` alone. */
      readonly timings: { readonly loadMs: number; readonly attributeMs: number };
      /** The backend that ran, as the backend reports it (`tfjs`, `ort`) and its device. */
      readonly ranOn: string;
    }
  | { readonly type: 'error'; readonly message: string };
