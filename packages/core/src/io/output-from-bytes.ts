import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { checkMaxBytes, formatBytes, gunzip, isGzip, tooLargeError } from './gzip';
import { outputFromInseqJson } from './inseq-python/output-from-inseq-json';
import { parsePythonJson } from './inseq-python/parse-python-json';
import { detectOutputFormat } from './output-file-format';
import { outputFromJson } from './serialize-output';

/** Options of {@link outputFromBytes} (and of `loadOutput`). */
export interface OutputFromBytesOptions {
  /** How the data is named in errors (a file path). @defaultValue `'The attribution file'` */
  readonly name?: string;
  /**
   * Most bytes of JSON to read: the file's own size, or what it inflates to when gzipped (then
   * inflation stops as soon as it passes the limit), plus what old Python Inseq `b64.gz:` arrays
   * inflate to. Past it the read fails with `FILE_TOO_LARGE` naming the limit. `Infinity` turns it off.
   * @defaultValue {@link DEFAULT_MAX_OUTPUT_BYTES} (512 MiB)
   */
  readonly maxBytes?: number;
  /**
   * How the "too large" error tells the user to raise the limit (e.g. a CLI flag).
   * @defaultValue `'pass { maxBytes } to outputFromBytes'`
   */
  readonly raiseHint?: string;
}

function notUtf8(name: string, cause: unknown): InseqError {
  return new InseqError(`${name} is not UTF-8 text (nor gzip); expected an attribution JSON file.`, { code: 'INVALID_FILE', cause });
}

/** Text decoding failures: invalid UTF-8 is a TypeError; a RangeError means the text is longer than the engine's longest string. */
function decodeFailure(name: string, cause: unknown, size: number): InseqError {
  if (cause instanceof RangeError) {
    return new InseqError(
      `${name} holds ${formatBytes(size)} of text, more than this JavaScript engine can hold in one string (about 512 MiB in V8); it cannot be read here.`,
      { code: 'FILE_TOO_LARGE', cause },
    );
  }
  return notUtf8(name, cause);
}

function nestedGzip(name: string): InseqError {
  return new InseqError(
    `${name} is gzip inside gzip; attribution files are inflated once only. Decompress the outer layer yourself (e.g. gunzip) if the inner file is meant to be read.`,
    { code: 'INVALID_FILE' },
  );
}

/** Decodes what one inflation gave, refusing gzip inside gzip. */
function inflatedText(bytes: Uint8Array, name: string): string {
  if (isGzip(bytes)) throw nestedGzip(name);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw decodeFailure(name, cause, bytes.length);
  }
}

/**
 * Reads the bytes that inflating a gzipped attribution file gave (for `loadOutput`, which inflates
 * with node:zlib): gzip inside is refused, never inflated again.
 */
export async function outputFromInflatedBytes(bytes: Uint8Array, options: OutputFromBytesOptions & { readonly name: string; readonly maxBytes: number }): Promise<FeatureAttributionOutput> {
  return outputFromText(inflatedText(bytes, options.name), bytes.length, options.name, options.maxBytes, options.raiseHint ?? 'pass { maxBytes }');
}

function outputFromText(text: string, size: number, name: string, maxBytes: number, raise: string): Promise<FeatureAttributionOutput> | FeatureAttributionOutput {
  const parsed = parsePythonJson(text, name);
  if (detectOutputFormat(parsed, name) === 'inseq-ts') return outputFromJson(parsed as object, { name });
  // What old files' `b64.gz:` arrays may inflate to, together, besides the JSON itself.
  return outputFromInseqJson(parsed as object, { name, maxInflatedBytes: Math.max(0, maxBytes - size), raiseHint: raise });
}

/**
 * Reads an attribution file's contents in any supported format, without touching the file system
 * (browser-safe): gzip is detected by its magic bytes and inflated once, as a stream with a size
 * limit (`maxBytes`, 512 MiB by default; gzip inside gzip is refused), then the JSON is recognised
 * as inseq-ts or Python Inseq (see `detectOutputFormat`).
 *
 * @param data - the file's bytes, its text, or a Blob (a dropped File: its size is checked before
 *   anything is read, and gzip is inflated from the Blob's stream).
 * @throws InseqError `INVALID_FILE` naming the fault (not UTF-8, not JSON, neither format, a bad
 *   field); `FILE_TOO_LARGE` past the limit, naming it and how to raise it.
 */
export async function outputFromBytes(data: Uint8Array | string | Blob, options?: OutputFromBytesOptions): Promise<FeatureAttributionOutput> {
  const name = options?.name ?? 'The attribution file';
  const maxBytes = checkMaxBytes(options?.maxBytes, 'maxBytes');
  const raise = options?.raiseHint ?? 'pass { maxBytes } to outputFromBytes';
  let text: string;
  let size: number;
  if (typeof data === 'string') {
    // A UTF-16 code unit is at least one byte of UTF-8.
    if (data.length > maxBytes) throw tooLargeError(`${name} holds ${data.length} characters, over the limit`, maxBytes, raise);
    text = data;
    size = data.length;
  } else if (data instanceof Uint8Array || data instanceof Blob) {
    const total = data instanceof Blob ? data.size : data.length;
    if (total > maxBytes) throw tooLargeError(`${name} is ${formatBytes(total)}, over the limit`, maxBytes, raise);
    const head = data instanceof Blob ? new Uint8Array(await data.slice(0, 2).arrayBuffer()) : data;
    if (isGzip(head)) {
      // Inflated once, as a stream that stops at the limit.
      const bytes = await gunzip(data, name, { maxBytes, raiseHint: raise });
      text = inflatedText(bytes, name);
      size = bytes.length;
    } else {
      const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch (cause) {
        throw decodeFailure(name, cause, bytes.length);
      }
      size = bytes.length;
    }
  } else {
    throw new InseqError(`outputFromBytes got ${data === null ? 'null' : typeof data}; expected a Uint8Array, a string or a Blob.`, { code: 'INVALID_ARGUMENT' });
  }
  return outputFromText(text, size, name, maxBytes, raise);
}
