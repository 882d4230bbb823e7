/** One example of a dataset, as `@inseq/datasets` reads it. */
export interface QueueExample {
  readonly index: number;
  readonly inputText: string;
  readonly generatedText?: string;
}

/**
 * The attribution every job of one dataset run asks for: plain JSON, so any worker can run it.
 * Field names follow `attribute()`'s options.
 */
export interface AttributionRequest {
  /** Model folder (as seen by the workers) or Hugging Face Hub id. */
  readonly model: string;
  readonly revision?: string;
  readonly backend?: string;
  readonly device?: string;
  readonly dtype?: string;
  readonly method: string;
  readonly attributionArgs?: Record<string, unknown>;
  readonly stepScores?: readonly string[];
  readonly stepScoresArgs?: Record<string, unknown>;
  readonly attributedFn?: string;
  readonly attributedFnArgs?: Record<string, unknown>;
  readonly attributeTarget?: boolean;
  readonly maxNewTokens?: number;
  /** First and last (exclusive) generated position attributed, as `attribute()`'s `attrPosStart` / `attrPosEnd`. */
  readonly attrPosStart?: number;
  readonly attrPosEnd?: number;
  /** Inseq's `include_eos_baseline`: the eos gets the baseline token too. */
  readonly includeEosBaseline?: boolean;
  /** Precision of the scores in the returned JSON (`float32` when absent), as `outputToJson`'s `scoresPrecision`. */
  readonly scoresPrecision?: 'float32' | 'float16' | 'float8';
  /**
   * Plugin modules the worker loads before attributing: absolute file paths (as the producer
   * resolved them; the workers must see the same files) or package names, resolved from the
   * worker's working directory.
   */
  readonly plugins?: readonly string[];
  /** Test hook: milliseconds a worker waits before attributing (makes a job slow enough to kill a worker in it). */
  readonly delayMs?: number;
}

/** The data of one BullMQ job. */
export interface QueueJobData {
  readonly fingerprint: string;
  readonly example: QueueExample;
  readonly request: AttributionRequest;
}

/** What a job returns: the inseq-ts JSON of that one example's output. */
export interface QueueJobResult {
  readonly index: number;
  readonly outputJson: string;
}

export const defaultQueueName = 'inseq-attribution';

/**
 * The job id of one example: `${fingerprint}.${index}`, so enqueueing the same dataset twice adds
 * nothing (BullMQ ignores a duplicate id). BullMQ rejects ids with ':' (its key separator), so a ':'
 * in the fingerprint becomes '_'.
 */
export function jobIdOf(fingerprint: string, index: number): string {
  return `${fingerprint.replaceAll(':', '_')}.${index}`;
}
