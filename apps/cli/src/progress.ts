import { SingleBar } from 'cli-progress';
import type { AttributeProgress } from 'inseq';
import type { CliIo } from './cli-io';

/**
 * A progress bar on stderr while steps are attributed (or other `unit`s are done); silent when stderr is not a terminal so
 * that logs and pipes stay clean.
 */
export function createProgressReporter(io: CliIo, label: string, unit = 'steps'): { update(progress: AttributeProgress): void; stop(): void } {
  if (!io.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} ${unit} | {duration_formatted} elapsed | eta {eta_formatted}`,
    stream: io.stderr as NodeJS.WritableStream,
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update({ done, total }) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
