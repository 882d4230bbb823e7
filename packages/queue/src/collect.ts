import { Job, Queue, QueueEvents } from 'bullmq';
import { checkRedisConnection } from './connection';
import { defaultQueueName, jobIdOf, type QueueJobResult } from './job-data';

export interface CollectProgress {
  readonly done: number;
  readonly failed: number;
  readonly total: number;
}

export interface FailedExample {
  readonly index: number;
  /** The error the last attempt failed with. */
  readonly message: string;
}

export interface CollectResultsOptions {
  readonly connection: string;
  readonly queueName?: string;
  readonly fingerprint: string;
  /** The indexes to wait for (those enqueueExamples returned). */
  readonly indexes: Iterable<number>;
  /** Called exactly once per index, with the inseq-ts JSON of that example's output. Awaited, one call at a time. */
  readonly onResult: (index: number, outputJson: string) => void | Promise<void>;
  readonly onProgress?: (progress: CollectProgress) => void;
  /** Called once per index whose job failed for good (every attempt used). */
  readonly onFailed?: (failure: FailedExample) => void;
  /** Stops waiting (the jobs stay queued; a later call picks up their results). */
  readonly signal?: AbortSignal;
  /** How often jobs are re-read from Redis besides the completion events (default 2000 ms). */
  readonly sweepIntervalMs?: number;
}

export interface CollectResultsSummary {
  readonly done: number;
  readonly failed: readonly FailedExample[];
}

function parseResult(value: unknown): QueueJobResult | undefined {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as QueueJobResult).outputJson === 'string') return parsed as QueueJobResult;
  return undefined;
}

/**
 * Waits until every index's job has completed (or failed for good), calling `onResult` once per
 * index. Listens to completion events and also reads the jobs themselves, so results that completed
 * while no producer was listening (a restarted producer) are picked up too.
 */
export async function collectResults(options: CollectResultsOptions): Promise<CollectResultsSummary> {
  options.signal?.throwIfAborted();
  const connection = await checkRedisConnection(options.connection);
  const queueName = options.queueName ?? defaultQueueName;
  const pending = new Map<string, number>();
  for (const index of options.indexes) pending.set(jobIdOf(options.fingerprint, index), index);
  const total = pending.size;
  let done = 0;
  const failed: FailedExample[] = [];
  const queue = new Queue(queueName, { connection });
  const events = new QueueEvents(queueName, { connection });
  // Results are handed over one at a time, in arrival order.
  let chain = Promise.resolve();
  let finish: () => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const progress = () => options.onProgress?.({ done, failed: failed.length, total });
  const settleIfDone = () => {
    if (pending.size === 0) finish();
  };
  const deliver = (jobId: string, returnvalue: unknown) => {
    const index = pending.get(jobId);
    if (index === undefined) return; // another dataset's job, or delivered already (a job completed twice)
    const result = parseResult(returnvalue);
    if (result === undefined) return;
    pending.delete(jobId);
    chain = chain
      .then(async () => {
        await options.onResult(index, result.outputJson);
        done += 1;
        progress();
        settleIfDone();
      })
      .catch(fail);
  };
  const markFailed = (jobId: string, message: string) => {
    const index = pending.get(jobId);
    if (index === undefined) return;
    pending.delete(jobId);
    chain = chain.then(() => {
      const failure = { index, message };
      failed.push(failure);
      options.onFailed?.(failure);
      progress();
      settleIfDone();
    });
  };
  /** Reads every pending job: completed → delivered; failed with no attempt left → failed. */
  const sweep = async () => {
    for (const jobId of [...pending.keys()]) {
      const job = await Job.fromId(queue, jobId);
      if (job === undefined) {
        // Never enqueued, or removed (queue obliterated): waiting would never end.
        markFailed(jobId, `job ${jobId} is not in the queue (never enqueued, or removed); enqueue the example again`);
        continue;
      }
      const state = await job.getState();
      if (state === 'completed') deliver(jobId, job.returnvalue);
      else if (state === 'failed') markFailed(jobId, job.failedReason ?? 'failed');
    }
  };
  events.on('completed', ({ jobId, returnvalue }) => deliver(jobId, returnvalue));
  events.on('failed', ({ jobId, failedReason }) => {
    if (!pending.has(jobId)) return;
    // 'failed' is also emitted for an attempt that will be retried: only a job in the failed set has failed for good.
    void Job.fromId(queue, jobId)
      .then(async (job) => {
        if (job !== undefined && (await job.getState()) === 'failed') markFailed(jobId, job.failedReason ?? failedReason);
      })
      .catch(fail);
  });
  const onAbort = () => fail(options.signal?.reason ?? new Error('aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    await events.waitUntilReady();
    progress();
    settleIfDone();
    // Events are listened to before the first sweep: a job completing in between is seen by one or the other.
    await sweep();
    const interval = options.sweepIntervalMs ?? 2000;
    const loop = () => {
      timer = setTimeout(() => {
        sweep().then(loop, fail);
      }, interval);
    };
    loop();
    await finished;
    await chain;
    return { done, failed };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await events.close();
    await queue.close();
  }
}
