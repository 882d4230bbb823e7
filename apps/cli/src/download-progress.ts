import { SingleBar } from 'cli-progress';
import type { HubProgress } from '@inseq/hub';
import type { CliIo } from './cli-io';
import { guardTerminal } from './terminal-restore';

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
 * stderr is not a terminal so that logs and pipes stay clean. While it shows, Ctrl-C / SIGTERM
 * restore the cursor and line wrapping before exiting (130 / 143).
 */
export function createDownloadProgress(io: CliIo): { update(progress: HubProgress): void; stop(): void } {
  if (!io.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({
    format: 'Downloading {file} [{bar}] {loadedText}/{totalText} | {percentage}% | eta {eta_formatted}',
    stream: io.stderr as NodeJS.WritableStream,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let current: string | undefined;
  let release: (() => void) | undefined;
  const stop = () => {
    if (current !== undefined) bar.stop();
    current = undefined;
    release?.();
    release = undefined;
  };
  return {
    update({ repoId, file, loaded, total, done }) {
      const payload = { file: `${repoId}/${file}`, loadedText: formatBytes(loaded), totalText: formatBytes(total) };
      if (current !== file) {
        stop();
        release = guardTerminal(io.stderr);
        bar.start(total, loaded, payload);
        current = file;
      }
      bar.update(loaded, payload);
      if (done) stop();
    },
    stop,
  };
}
