import { Queue } from 'bullmq';
import { checkRedisConnection } from './connection';
import { type AttributionRequest, defaultQueueName, jobIdOf, type QueueExample, type QueueJobData } from './job-data';

export interface EnqueueExamplesOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…`. */
  readonly connection: string;
  readonly queueName?: string;
  /** The dataset's fingerprint: job ids are `${fingerprint}.${index}`. */
  readonly fingerprint: string;
  readonly job: AttributionRequest;
  readonly examples: AsyncIterable<QueueExample> | Iterable<QueueExample>;
  /** Indexes already done (e.g. read back from a results file with --resume): not enqueued. */
  readonly skip?: ReadonlySet<number>;
  /** Tries per job before it fails for good (default 3); a stalled job counts as one. */
  readonly attempts?: number;
  /** Jobs added per round trip (default 100). */
  readonly chunkSize?: number;
}

export interface EnqueueResult {
  /** Every index enqueued or already in the queue (not skipped). */
  readonly indexes: number[];
  /** Jobs this call created (an id already present is not counted). */
  readonly added: number;
}

/** One BullMQ job per example, idempotent: re-enqueueing the same fingerprint adds no job. */
export async function enqueueExamples(options: EnqueueExamplesOptions): Promise<EnqueueResult> {
  const connection = await checkRedisConnection(options.connection);
  const queue = new Queue<QueueJobData>(options.queueName ?? defaultQueueName, { connection });
  const indexes: number[] = [];
  let added = 0;
  const chunkSize = options.chunkSize ?? 100;
  let chunk: QueueExample[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const ids = chunk.map((example) => jobIdOf(options.fingerprint, example.index));
    const existing = await Promise.all(ids.map((id) => queue.getJobState(id)));
    const jobs = await queue.addBulk(
      chunk.map((example, i) => ({
        name: 'attribute',
        data: { fingerprint: options.fingerprint, example, request: options.job },
        opts: {
          jobId: ids[i],
          attempts: options.attempts ?? 3,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    added += jobs.length - existing.filter((state) => state !== 'unknown').length;
    chunk = [];
  };
  try {
    for await (const example of options.examples) {
      if (!Number.isSafeInteger(example.index) || example.index < 0) {
        throw new Error(`enqueueExamples: example index ${example.index} must be a non-negative integer.`);
      }
      if (options.skip?.has(example.index)) continue;
      indexes.push(example.index);
      chunk.push(example);
      if (chunk.length >= chunkSize) await flush();
    }
    await flush();
  } finally {
    await queue.close();
  }
  return { indexes, added };
}

/** The BullMQ Queue behind a URL (after a connection check), to inspect or clean it (`getActive`, `getJobCounts`, `obliterate`). Close it when done. */
export async function openQueue(connection: string, queueName: string = defaultQueueName): Promise<Queue<QueueJobData>> {
  return new Queue<QueueJobData>(queueName, { connection: await checkRedisConnection(connection) });
}
