import { InseqError } from '../errors/inseq-error';

/**
 * The most bytes an attribution file may hold or inflate to unless the caller raises it
 * (`maxBytes` of `gunzip`, `outputFromBytes`, `loadOutput`): 512 MiB, far above any real output
 * and below what a browser tab survives once it is parsed.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** True when `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function streams(): { Compression: typeof CompressionStream; Decompression: typeof DecompressionStream } {
  if (typeof CompressionStream === 'undefined' || typeof DecompressionStream === 'undefined') {
    throw new InseqError(
      'gzip needs the global CompressionStream/DecompressionStream (Node >= 18, current browsers); this runtime has none. Save without compression.', { code: 'INVALID_ARGUMENT' },
    );
  }
  return { Compression: CompressionStream, Decompression: DecompressionStream };
}

/** Checks a byte limit option: a positive number (`Infinity` allowed, to turn the limit off). */
export function checkMaxBytes(maxBytes: number | undefined, option = 'maxBytes'): number {
  if (maxBytes === undefined) return DEFAULT_MAX_OUTPUT_BYTES;
  if (typeof maxBytes !== 'number' || Number.isNaN(maxBytes) || maxBytes <= 0) {
    throw new InseqError(`${option} is ${String(maxBytes)}; expected a positive number of bytes (Infinity for no limit).`, { code: 'INVALID_ARGUMENT' });
  }
  return maxBytes;
}

/** `12.5 MiB` for messages. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

/**
 * The "too large" error every limited reader throws, naming the limit and how to raise it.
 *
 * @param what - what passed the limit, ending before "of 512 MiB": "'out.json.gz' inflates past the limit",
 *   "'out.json' is 600 MiB, over the limit".
 * @param raise - how the caller raises the limit (an option, a CLI flag).
 */
export function tooLargeError(what: string, maxBytes: number, raise: string): InseqError {
  return new InseqError(
    `${what} of ${formatBytes(maxBytes)} (${maxBytes} bytes); reading stopped there ` +
      `(a gzip bomb, or a file too large to open safely). If you trust the file, raise the limit: ${raise}.`,
    { code: 'FILE_TOO_LARGE' },
  );
}

/** Options of {@link gunzip} and {@link inflateChunks}. */
export interface GunzipOptions {
  /**
   * Most bytes to inflate: the stream is cancelled as soon as the output passes it, so at most
   * `maxBytes` plus one stream chunk (tens of KiB) is ever held. @defaultValue {@link DEFAULT_MAX_OUTPUT_BYTES}
   */
  readonly maxBytes?: number;
  /** Said in the "too large" error: how the caller raises the limit. @defaultValue `'the maxBytes option'` */
  readonly raiseHint?: string;
}

/**
 * Inflates gzip as a stream, handing each chunk of output to `onChunk` as it comes, and stops
 * with a `FILE_TOO_LARGE` error once the output passes `maxBytes`.
 *
 * @param source - the compressed bytes, or a Blob (a dropped File), streamed without reading it whole.
 * @returns the number of inflated bytes.
 * @throws InseqError `INVALID_FILE` for data that is not gzip or is truncated, `FILE_TOO_LARGE` past the
 *   limit; whatever `onChunk` throws, after cancelling the stream.
 */
export async function inflateChunks(
  source: Uint8Array | Blob,
  where: string,
  onChunk: (chunk: Uint8Array) => void,
  options?: GunzipOptions,
): Promise<number> {
  const maxBytes = checkMaxBytes(options?.maxBytes);
  const { Decompression } = streams();
  const blob = source instanceof Blob ? source : new Blob([source as BlobPart]);
  const reader = blob.stream().pipeThrough(new Decompression('gzip')).getReader();
  let total = 0;
  const stop = async (error: unknown): Promise<never> => {
    await reader.cancel().catch(() => undefined);
    throw error;
  };
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (cause) {
      const head = source instanceof Blob ? new Uint8Array(await source.slice(0, 2).arrayBuffer()) : source;
      const what = isGzip(head) ? 'is gzip but cannot be inflated' : 'is not valid gzip';
      return stop(new InseqError(`${where} ${what} (truncated or corrupt): ${(cause as Error)?.message ?? String(cause)}.`, { code: 'INVALID_FILE', cause }));
    }
    if (result.done) return total;
    total += result.value.length;
    if (total > maxBytes) return stop(tooLargeError(`${where} inflates past the limit`, maxBytes, options?.raiseHint ?? 'the maxBytes option'));
    try {
      onChunk(result.value);
    } catch (error) {
      return stop(error);
    }
  }
}

/**
 * Compresses with gzip through the global `CompressionStream` (browsers and Node alike), so the
 * web app can write `.json.gz` as the CLI does.
 */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const output = new Blob([bytes as BlobPart]).stream().pipeThrough(new (streams().Compression)('gzip'));
  return new Uint8Array(await new Response(output).arrayBuffer());
}

/**
 * Decompresses gzip through the global `DecompressionStream`, as a stream with a size limit
 * (see {@link GunzipOptions.maxBytes}).
 *
 * @param where - names the data in the error.
 * @throws InseqError `INVALID_FILE` when the data is not gzip or is truncated; `FILE_TOO_LARGE`
 *   when it inflates past `maxBytes`.
 */
export async function gunzip(bytes: Uint8Array | Blob, where = 'data', options?: GunzipOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const total = await inflateChunks(bytes, where, (chunk) => chunks.push(chunk), options);
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
