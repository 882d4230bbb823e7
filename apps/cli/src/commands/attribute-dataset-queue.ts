import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AttributionLog, type DatasetExample, type ResolvedDataset, exampleLineOfJson, readExamples } from '@inseq/datasets';
import { type AttributionRequest, checkRedisConnection, collectResults, enqueueExamples } from '@inseq/queue';
import { InseqError } from 'inseq';
import type { CliIo } from '../cli-io';
import { pluginIsPath } from '../load-plugins';
import type { createProgressReporter } from '../progress';
import type { AttributeDatasetFlags } from './attribute-dataset-command';

export interface QueueDatasetOptions {
  readonly flags: AttributeDatasetFlags;
  readonly modelPath: string;
  readonly dataset: ResolvedDataset;
  readonly log: AttributionLog;
  readonly total: number;
  readonly signal: AbortSignal;
  readonly progress: ReturnType<typeof createProgressReporter>;
  readonly io: CliIo;
}

/**
 * `attribute-dataset --queue URL`: the producer. Enqueues every example not yet in `-o` as a BullMQ
 * job (id: a fingerprint of the dataset and the request, plus the example's index, so enqueueing
 * again adds nothing), then appends each result to `-o` as workers complete it, once per index.
 */
export async function queueDataset(options: QueueDatasetOptions): Promise<{ written: number; skipped: number; aborted: boolean }> {
  const { flags, dataset, log, total, signal, progress } = options;
  const connection = flags.queue as string;
  await checkRedisConnection(connection);
  // Workers on other machines see the model by this name: a local folder travels as an absolute path.
  const model = existsSync(options.modelPath) ? resolve(options.modelPath) : options.modelPath;
  const request: AttributionRequest = Object.fromEntries(
    Object.entries({
      model,
      revision: flags.revision,
      backend: flags.backend,
      device: flags.device,
      dtype: flags.dtype,
      method: flags.attributionMethod,
      attributionArgs: flags.attributionKwargs,
      stepScores: flags.stepScores,
      stepScoresArgs: flags.stepScoresArgs,
      attributedFn: flags.attributedFn,
      attributedFnArgs: flags.attributedFnArgs,
      maxNewTokens: flags.maxNewTokens,
      attrPosStart: flags.startPos,
      attrPosEnd: flags.endPos,
      includeEosBaseline: flags.includeEosBaseline || flags.eos || undefined,
      scoresPrecision: flags.scoresPrecision === 'float32' ? undefined : flags.scoresPrecision,
      // A plugin file travels as an absolute path (the workers must see the same file); a package
      // name as given, resolved from each worker's working directory.
      plugins: flags.plugin?.map((specifier) => (pluginIsPath(specifier) ? resolve(specifier) : specifier)),
    }).filter(([, value]) => value !== undefined),
  ) as unknown as AttributionRequest;
  // The request is part of the job ids: a changed request never reuses results kept in Redis.
  const fingerprint = createHash('sha256').update(`${dataset.fingerprint}\n${JSON.stringify(request)}`).digest('hex').slice(0, 32);
  const examples = new Map<number, DatasetExample>();
  async function* remembered() {
    for await (const example of readExamples(dataset, { maxExamples: flags.maxExamples })) {
      if (log.done.has(example.index)) continue;
      examples.set(example.index, example);
      yield { index: example.index, inputText: example.inputText, ...(example.generatedText !== undefined && { generatedText: example.generatedText }) };
    }
  }
  const queueName = flags.queueName;
  const { indexes } = await enqueueExamples({ connection, ...(queueName !== undefined && { queueName }), fingerprint, job: request, examples: remembered(), skip: log.done });
  const skipped = log.done.size;
  let written = 0;
  progress.update({ done: skipped, total });
  const summary = await collectResults({
    connection,
    ...(queueName !== undefined && { queueName }),
    fingerprint,
    indexes,
    signal,
    onResult: async (index, outputJson) => {
      const example = examples.get(index);
      if (example === undefined || log.done.has(index)) return;
      await log.append([exampleLineOfJson(example, outputJson)]);
      written += 1;
      progress.update({ done: skipped + written, total });
    },
  });
  if (summary.failed.length > 0) {
    const listed = summary.failed.slice(0, 5).map((failure) => `example ${failure.index}: ${failure.message}`).join('; ');
    throw new InseqError(
      `${summary.failed.length} example(s) failed on the workers (${listed}${summary.failed.length > 5 ? '; …' : ''}). ${written} result(s) were written; fix the cause and rerun with --resume.`,
      { code: 'INVALID_ARGUMENT' },
    );
  }
  return { written, skipped, aborted: signal.aborted };
}
