import { Worker } from 'bullmq';
import { checkRedisConnection } from './connection';
import { defaultQueueName, type QueueJobData, type QueueJobResult } from './job-data';

export interface JobDone {
  readonly jobId: string;
  readonly index: number;
  readonly ms: number;
}

export interface RunWorkerOptions {
  readonly connection: string;
  readonly queueName?: string;
  /** Jobs run at once by this worker (default 1). */
  readonly concurrency?: number;
  /** Attributes one example; returns the inseq-ts JSON of its output. */
  readonly attribute: (data: QueueJobData) => Promise<string>;
  /** How long a job's lock lasts without renewal (BullMQ default 30 s): a killed worker's job is free again after it. */
  readonly lockDuration?: number;
  /** How often stalled jobs are looked for (BullMQ default 30 s). */
  readonly stalledInterval?: number;
  readonly onJobDone?: (event: JobDone) => void;
  readonly onJobFailed?: (event: { jobId: string; index: number; message: string; willRetry: boolean }) => void;
}

export interface WorkerHandle {
  /** Finishes the jobs in progress, takes no new one, and disconnects. */
  close(): Promise<void>;
}

/** Takes jobs from the queue until closed. */
export async function runWorker(options: RunWorkerOptions): Promise<WorkerHandle> {
  const connection = await checkRedisConnection(options.connection);
  const worker = new Worker<QueueJobData, QueueJobResult>(
    options.queueName ?? defaultQueueName,
    async (job) => {
      const started = Date.now();
      if (job.data.request.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, job.data.request.delayMs));
      const outputJson = await options.attribute(job.data);
      options.onJobDone?.({ jobId: job.id ?? '', index: job.data.example.index, ms: Date.now() - started });
      return { index: job.data.example.index, outputJson };
    },
    {
      connection,
      concurrency: options.concurrency ?? 1,
      ...(options.lockDuration !== undefined && { lockDuration: options.lockDuration }),
      ...(options.stalledInterval !== undefined && { stalledInterval: options.stalledInterval }),
      // A stalled job (its worker died) goes back to waiting; a second stall fails it for good.
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, error) => {
    if (job === undefined) return;
    options.onJobFailed?.({
      jobId: job.id ?? '',
      index: job.data.example.index,
      message: error.message,
      willRetry: job.attemptsMade < (job.opts.attempts ?? 1),
    });
  });
  // Connection errors are reported by BullMQ's reconnect logic; without a listener Node would throw them.
  worker.on('error', () => {});
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}
