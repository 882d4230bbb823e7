import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { gunzip, isGzip } from './gzip';
import { outputFromInseqJson } from './inseq-python/output-from-inseq-json';
import { parsePythonJson } from './inseq-python/parse-python-json';
import { detectOutputFormat } from './output-file-format';
import { outputFromJson } from './serialize-output';

/** Options of {@link outputFromBytes}. */
export interface OutputFromBytesOptions {
  /** How the data is named in errors (a file path). @defaultValue `'The attribution file'` */
  readonly name?: string;
}

/**
 * Reads an attribution file's contents in any supported format, without touching the file system
 * (browser-safe): gzip is detected by its magic bytes and inflated with `DecompressionStream`, then
 * the JSON is recognised as inseq-ts or Python Inseq (see `detectOutputFormat`).
 *
 * @param data - the file's bytes, or its text.
 * @throws InseqError `INVALID_FILE` naming the fault (not UTF-8, not JSON, neither format, a bad field).
 */
export async function outputFromBytes(data: Uint8Array | string, options?: OutputFromBytesOptions): Promise<FeatureAttributionOutput> {
  const name = options?.name ?? 'The attribution file';
  let text: string;
  if (typeof data === 'string') {
    text = data;
  } else {
    const bytes = isGzip(data) ? await gunzip(data, name) : data;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (cause) {
      throw new InseqError(`${name} is not UTF-8 text (nor gzip); expected an attribution JSON file.`, { code: 'INVALID_FILE', cause });
    }
  }
  const parsed = parsePythonJson(text, name);
  return detectOutputFormat(parsed, name) === 'inseq-ts' ? outputFromJson(parsed as object) : outputFromInseqJson(parsed as object);
}
