import { SingleBar } from 'cli-progress';
import type { AttributeProgress } from 'inseq';
import type { CliIo } from './cli-io';
import { guardTerminal } from './terminal-restore';

/**
 * A progress bar on stderr while steps are attributed (or other `unit`s are done); silent when stderr is not a terminal so
 * that logs and pipes stay clean. While it shows, Ctrl-C / SIGTERM restore the cursor and line
 * wrapping before exiting (130 / 143).
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
  let release: (() => void) | undefined;
  return {
    update({ done, total }) {
      if (!started) {
        release = guardTerminal(io.stderr);
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
      started = false;
      release?.();
      release = undefined;
    },
  };
}
