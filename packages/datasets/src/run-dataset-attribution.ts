import { type FeatureAttributionOutput, type OutputToJsonOptions, InseqError, outputOfSequence, outputToJson } from '@inseq/core';
import type { AttributionLog } from './attribution-log';
import type { DatasetExample } from './dataset-example';

/** Progress of {@link runDatasetAttribution}, after each batch. */
export interface DatasetProgress {
  /** Examples written so far in this run (skipped ones not counted). */
  readonly written: number;
  /** Examples skipped because the resumed file already held them. */
  readonly skipped: number;
  /** Index of the last example written. */
  readonly lastIndex: number;
}

export interface RunDatasetAttributionOptions {
  readonly examples: AsyncIterable<DatasetExample>;
  /** Examples attributed together (one `attributeBatch` call). */
  readonly batchSize: number;
  /** Attributes one batch: one sequence per example, in order (e.g. inseq's `attribute(model, inputs, { generatedTexts })`). */
  readonly attributeBatch: (examples: readonly DatasetExample[]) => Promise<FeatureAttributionOutput>;
  readonly log: AttributionLog;
  readonly onProgress?: (progress: DatasetProgress) => void;
  /** Aborting stops after the current batch (its lines written), leaving the file consistent. */
  readonly signal?: AbortSignal;
  /** How each example's output is serialised. @defaultValue float32, one line */
  readonly serialize?: Omit<OutputToJsonOptions, 'indent'>;
}

/** The JSON Lines line of one example: `{"index", "input_text", "generated_text"?, "output"}` (output: inseq-ts saved JSON of that one sequence). */
export function exampleLine(example: DatasetExample, output: FeatureAttributionOutput, options?: Omit<OutputToJsonOptions, 'indent'>): string {
  return exampleLineOfJson(example, outputToJson(output, options));
}

/** {@link exampleLine} for an output already serialised (one line of inseq-ts JSON), e.g. a queue worker's result. */
export function exampleLineOfJson(example: DatasetExample, outputJson: string): string {
  const generated = example.generatedText === undefined ? '' : `,"generated_text":${JSON.stringify(example.generatedText)}`;
  return `{"index":${example.index},"input_text":${JSON.stringify(example.inputText)}${generated},"output":${outputJson}}`;
}

/**
 * Attributes a dataset batch by batch into a JSON Lines log: examples the log already holds are
 * skipped; each batch's lines are appended and fsynced before the next batch starts. Returns the
 * counts; `aborted` when `signal` stopped it early.
 */
export async function runDatasetAttribution(options: RunDatasetAttributionOptions): Promise<DatasetProgress & { aborted: boolean }> {
  const { log, batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InseqError(`batchSize must be a positive integer, got ${batchSize}.`, { code: 'INVALID_ARGUMENT' });
  let written = 0;
  let skipped = 0;
  let lastIndex = -1;
  let batch: DatasetExample[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const output = await options.attributeBatch(batch);
    if (output.sequence_attributions.length !== batch.length) {
      throw new InseqError(`attributeBatch returned ${output.sequence_attributions.length} sequences for ${batch.length} examples.`, { code: 'BACKEND_FAILURE' });
    }
    const lines = batch.map((example, i) => exampleLine(example, outputOfSequence(output, i), options.serialize));
    await log.append(lines);
    written += batch.length;
    lastIndex = (batch[batch.length - 1] as DatasetExample).index;
    batch = [];
    options.onProgress?.({ written, skipped, lastIndex });
  };
  for await (const example of options.examples) {
    if (options.signal?.aborted) break;
    if (log.done.has(example.index)) {
      skipped += 1;
      continue;
    }
    batch.push(example);
    if (batch.length >= batchSize) await flush();
  }
  const aborted = options.signal?.aborted ?? false;
  if (!aborted) await flush();
  return { written, skipped, lastIndex, aborted };
}
