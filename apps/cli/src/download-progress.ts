import { SingleBar } from 'cli-progress';
import type { HubProgress } from '@inseq/hub';
import type { CliIo } from './cli-io';
import { TERMINAL_MODES_UNTOUCHED } from './terminal-text';

/** `1.5 MB`, `830 kB`, `12 B`: decimal units, as the Hub shows file sizes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * A progress bar on stderr for each file downloaded from the Hub, with bytes and ETA; silent when
 * stderr is not a terminal so that logs and pipes stay clean.
 *
 * The bar leaves the terminal's modes alone (cursor shown, line wrapping on; it truncates its line to
 * the width itself), so Ctrl-C / SIGTERM, which end the process at once with Node's default action
 * (the shell reports 130 / 143), leave nothing to restore. A JavaScript SIGINT handler could not restore
 * them anyway: attribution steps run synchronously, so the event loop would deliver the signal only
 * after the step, or never while steps chain without yielding — Ctrl-C would stop working.
 */
export function createDownloadProgress(io: CliIo): { update(progress: HubProgress): void; stop(): void } {
  if (!io.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: 'Downloading {file} [{bar}] {loadedText}/{totalText} | {percentage}% | eta {eta_formatted}',
    stream: io.stderr as NodeJS.WritableStream,
    ...TERMINAL_MODES_UNTOUCHED,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let current: string | undefined;
  const stop = () => {
    if (current !== undefined) bar.stop();
    current = undefined;
  };
  return {
    update({ repoId, file, loaded, total, done }) {
      const payload = { file: `${repoId}/${file}`, loadedText: formatBytes(loaded), totalText: formatBytes(total) };
      if (current !== file) {
        stop();
        bar.start(total, loaded, payload);
        current = file;
      }
      bar.update(loaded, payload);
      if (done) stop();
    },
    stop,
  };
}
