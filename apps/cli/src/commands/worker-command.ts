import { type AttributionRequest, defaultQueueName, inseqAttribute, runWorker } from '@inseq/queue';
import type { Command } from 'commander';
import { createDefaultRegistries, loadModel } from 'inseq';
import type { CliIo } from '../cli-io';
import { loadPlugins } from '../load-plugins';
import { writeMessage } from '../terminal-text';
import { cliBackends } from './attribute-command';
import { parsePositiveInteger } from './parse-json-option';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: number;
  lockDuration?: number;
  stalledInterval?: number;
}

/** Loads the model a job names with the CLI's backends (Hub ids download into the usual cache). */
export function loadRequestModel(request: AttributionRequest) {
  return loadModel(request.model, {
    backends: cliBackends(),
    ...(request.backend !== undefined && { backend: request.backend }),
    ...(request.device !== undefined && { device: request.device }),
    ...(request.dtype !== undefined && { dtype: request.dtype }),
    ...(request.revision !== undefined && { revision: request.revision }),
  });
}

/**
 * What `inseq worker` runs for each job: the job's model with the CLI's backends, and the job's
 * plugins loaded into a fresh copy of the default registries (package names resolve from the
 * worker's working directory), once per plugin list.
 */
export function workerAttribute() {
  return inseqAttribute({
    loadModel: loadRequestModel,
    registriesFor: async (plugins) => {
      const registries = createDefaultRegistries();
      await loadPlugins(plugins, registries);
      return registries;
    },
  });
}

/**
 * `inseq worker`: takes attribution jobs from a Redis queue (filled by `inseq attribute-dataset --queue`)
 * until SIGINT/SIGTERM, printing one line per job.
 */
export function addWorkerCommand(program: Command, io: CliIo, signals: NodeJS.EventEmitter = process): void {
  program
    .command('worker')
    .description('Attribute dataset examples taken from a Redis job queue, until interrupted (Ctrl-C finishes the jobs in progress).')
    .requiredOption('--queue <url>', 'Redis URL: redis://[user:password@]host:port[/db], or rediss:// for TLS')
    .option('--queue-name <name>', 'queue name (the same as the producer)', defaultQueueName)
    .option('--concurrency <n>', 'jobs attributed at once by this worker', parsePositiveInteger, 1)
    .option('--lock-duration <ms>', "how long a job stays this worker's without a lock renewal (default 30000)", parsePositiveInteger)
    .option('--stalled-interval <ms>', "how often jobs of dead workers are looked for (default 30000)", parsePositiveInteger)
    .action(async (flags: WorkerFlags) => {
      const attribute = workerAttribute();
      const worker = await runWorker({
        connection: flags.queue,
        queueName: flags.queueName,
        concurrency: flags.concurrency,
        attribute,
        ...(flags.lockDuration !== undefined && { lockDuration: flags.lockDuration }),
        ...(flags.stalledInterval !== undefined && { stalledInterval: flags.stalledInterval }),
        onJobDone: ({ jobId, index, ms }) => io.stdout.write(`done ${jobId} (example ${index}) in ${(ms / 1000).toFixed(2)} s\n`),
        onJobFailed: ({ jobId, message, willRetry }) =>
          writeMessage(io.stderr, 'job failed: ', `${jobId}: ${message}${willRetry ? ' (will be retried)' : ' (no attempt left)'}`),
      });
      io.stdout.write(`worker ready on queue '${flags.queueName}' (concurrency ${flags.concurrency}); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          signals.off('SIGINT', stop);
          signals.off('SIGTERM', stop);
          resolve();
        };
        signals.on('SIGINT', stop);
        signals.on('SIGTERM', stop);
      });
      io.stderr.write('stopping: finishing the jobs in progress…\n');
      await worker.close();
      await attribute.dispose();
      io.stdout.write('worker stopped\n');
    });
}
