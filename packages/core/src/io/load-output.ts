import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { checkMaxBytes, formatBytes, isGzip, tooLargeError } from './gzip';
import { outputFromBytes, outputFromInflatedBytes } from './output-from-bytes';
// Node built-ins only through #core-platform (see platform/core-platform.ts), so browser bundles have none.
import { corePlatform } from '#core-platform';

/** Options of {@link loadOutput}. */
export interface LoadOutputOptions {
  /**
   * Most bytes of JSON to read: the file's size, or what it inflates to when gzipped (inflation
   * stops as soon as it passes the limit). `Infinity` turns it off.
   * @defaultValue {@link DEFAULT_MAX_OUTPUT_BYTES} (512 MiB)
   */
  readonly maxBytes?: number;
  /** How the "too large" error tells the user to raise the limit (e.g. a CLI flag). @defaultValue `'pass { maxBytes } to loadOutput'` */
  readonly raiseHint?: string;
}

/**
 * Reads an attribution file written by `saveOutput`, by inseq-ts's CLI or by Python Inseq's
 * `FeatureAttributionOutput.save`: the format is detected from the contents, gzip from its magic
 * bytes (whatever the extension). The file is checked against `maxBytes` before it is read, and
 * gzip is inflated once, by node:zlib with `maxOutputLength`, which stops at the limit; gzip inside
 * gzip is refused (see `outputFromBytes`, the browser-safe reader, which streams instead).
 *
 * @throws InseqError `INVALID_FILE` when the file cannot be read or is in neither format;
 *   `FILE_TOO_LARGE` when it, or what it inflates to, passes `maxBytes`.
 */
export async function loadOutput(filePath: string, options?: LoadOutputOptions): Promise<FeatureAttributionOutput> {
  const maxBytes = checkMaxBytes(options?.maxBytes, 'maxBytes');
  const raiseHint = options?.raiseHint ?? 'pass { maxBytes } to loadOutput';
  const name = `Attribution file '${filePath}'`;
  const fs = await corePlatform.fs();
  let bytes: Uint8Array;
  try {
    const { size } = await fs.stat(filePath);
    if (size > maxBytes) throw tooLargeError(`${name} is ${formatBytes(size)}, over the limit`, maxBytes, raiseHint);
    bytes = await fs.readFile(filePath);
  } catch (cause) {
    if (InseqError.isInstance(cause)) throw cause;
    throw new InseqError(`Cannot read attribution file '${filePath}': ${(cause as Error).message}.`, { code: 'INVALID_FILE', cause });
  }
  if (!isGzip(bytes)) return outputFromBytes(bytes, { name, maxBytes, raiseHint });
  // node:zlib inflates about three times faster than DecompressionStream; maxOutputLength stops it
  // as soon as the output passes the limit (a 1.1 GB bomb is refused after 512 MiB, in about 1.6 s).
  const zlib = await corePlatform.zlib();
  const { constants } = await corePlatform.buffer();
  const limited = maxBytes < constants.MAX_LENGTH;
  let inflated: Uint8Array;
  try {
    inflated = zlib.gunzipSync(bytes, limited ? { maxOutputLength: maxBytes } : {});
  } catch (cause) {
    if (limited && (cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLargeError(`${name} inflates past the limit`, maxBytes, raiseHint);
    throw new InseqError(`${name} is gzip but cannot be inflated (truncated or corrupt): ${(cause as Error).message}.`, { code: 'INVALID_FILE', cause });
  }
  return outputFromInflatedBytes(inflated, { name, maxBytes, raiseHint });
}
