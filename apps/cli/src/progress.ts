import { SingleBar } from 'cli-progress';
import type { AttributeProgress } from 'inseq';
import type { CliIo } from './cli-io';
import { TERMINAL_MODES_UNTOUCHED } from './terminal-text';

/**
 * A progress bar on stderr while steps are attributed (or other `unit`s are done); silent when stderr is not a terminal so
 * that logs and pipes stay clean.
 *
 * The bar leaves the terminal's modes alone (cursor shown, line wrapping on; it truncates its line to
 * the width itself), so Ctrl-C / SIGTERM, which end the process at once with Node's default action
 * (the shell reports 130 / 143), leave nothing to restore. A JavaScript SIGINT handler could not restore
 * them anyway: attribution steps run synchronously, so the event loop would deliver the signal only
 * after the step, or never while steps chain without yielding — Ctrl-C would stop working.
 */
export function createProgressReporter(io: CliIo, label: string, unit = 'steps'): { update(progress: AttributeProgress): void; stop(): void } {
  if (!io.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | {duration_formatted} elapsed | eta {eta_formatted}`,
    stream: io.stderr as NodeJS.WritableStream,
    ...TERMINAL_MODES_UNTOUCHED,
    clearOnComplete: true,
  });
  let started = false;
  // The rate counts this run's work only: a resumed run starts at what was already done.
  let first = { done: 0, at: 0 };
  return {
    update({ done, total }) {
      if (!started) {
        first = { done, at: performance.now() };
        bar.start(total, done, { rate: '–' });
        started = true;
      }
      const seconds = (performance.now() - first.at) / 1000;
      bar.update(done, { rate: seconds > 0 && done > first.done ? formatRate((done - first.done) / seconds) : '–' });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Three significant digits: `0.125`, `12.5`, `125`. */
export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toPrecision(3);
}
