import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { type OutputToBytesOptions, outputToBytes } from './output-to-bytes';
import { type OutputFileContent, writeOutputFiles } from './write-output-files';
// Node built-ins only through #core-platform (see platform/core-platform.ts), so browser bundles have none.
import { corePlatform } from '#core-platform';

// loadOutput lives in load-output.ts; re-exported here for the modules that import it beside saveOutput.
export { loadOutput } from './load-output';

/** Options of {@link saveOutput}. */
export interface SaveOutputOptions extends Omit<OutputToBytesOptions, 'compress'> {
  /** Gzip the JSON. @defaultValue `true` when the path ends in `.gz`, else `false` */
  readonly compress?: boolean;
  /**
   * Write one file per sequence, as Inseq's `split_sequences`: `out.json` becomes `out_0.json`,
   * `out_1.json`, … (`out.json.gz`: `out_0.json.gz`), each with that sequence only, no step
   * attributions, and `info.input_texts` / `info.generated_texts` cut to that sequence.
   * @defaultValue `false`
   */
  readonly splitSequences?: boolean;
}

/**
 * The path of sequence `index` when splitting: `_index` goes before the extension, and before
 * `.json` in `.json.gz`.
 */
export function splitSequencePath(filePath: string, index: number): string {
  const gz = filePath.endsWith('.gz') ? '.gz' : '';
  const base = filePath.slice(0, filePath.length - gz.length);
  const slash = Math.max(base.lastIndexOf('/'), base.lastIndexOf('\\'));
  const dot = base.lastIndexOf('.');
  const [stem, extension] = dot > slash + 1 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `${stem}_${index}${extension}${gz}`;
}

/** The output of sequence `index` alone, as Inseq's `split_sequences` writes it. */
export function outputOfSequence(output: FeatureAttributionOutput, index: number): FeatureAttributionOutput {
  const count = output.sequence_attributions.length;
  const info = { ...output.info };
  for (const key of ['input_texts', 'generated_texts']) {
    const texts = info[key];
    if (Array.isArray(texts) && texts.length === count) info[key] = [texts[index]];
  }
  return { sequence_attributions: [output.sequence_attributions[index]], step_attributions: null, info };
}

/**
 * The files {@link saveOutput} writes, as bytes, without touching the file system: one per
 * sequence with `splitSequences`, else one; gzipped when asked or when the path ends in `.gz`.
 * Pass them to {@link writeOutputFiles} (with other outputs, to commit them all together).
 */
export async function outputFileContents(output: FeatureAttributionOutput, filePath: string, options?: SaveOutputOptions): Promise<OutputFileContent[]> {
  const compress = options?.compress ?? filePath.endsWith('.gz');
  const files = options?.splitSequences
    ? output.sequence_attributions.map((_, index) => ({ path: splitSequencePath(filePath, index), output: outputOfSequence(output, index) }))
    : [{ path: filePath, output }];
  const zlib = compress ? await corePlatform.zlib() : undefined;
  return Promise.all(
    files.map(async (file) => {
      const bytes = await outputToBytes(file.output, { ...options, compress: false });
      return { path: file.path, data: zlib ? new Uint8Array(zlib.gzipSync(bytes)) : bytes };
    }),
  );
}

/**
 * Writes an output to an attribution file (Node): inseq-ts JSON or Python Inseq's layout
 * (`format: 'inseq'`, which Python's `FeatureAttributionOutput.load` reads), optionally gzipped,
 * at reduced precision, or one file per sequence. Written as {@link writeOutputFiles} does: every
 * file appears whole or not at all (temporary files in the target's folder, renamed into place
 * when all are complete); symlinks are followed; `/dev/null`, other character devices, FIFOs and
 * `-` (standard output) are written directly, never replaced; folders, sockets and block devices
 * are refused.
 *
 * @returns the paths written.
 */
export async function saveOutput(output: FeatureAttributionOutput, filePath: string, options?: SaveOutputOptions): Promise<string[]> {
  const contents = await outputFileContents(output, filePath, options);
  await writeOutputFiles(contents);
  return contents.map((file) => file.path);
}

/**
 * Writes `data` to `filePath` as {@link writeOutputFiles} does: a regular file (symlinks followed)
 * through a temporary file in its folder and a rename; a character device, a FIFO or `-` directly.
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  await writeOutputFiles([{ path: filePath, data }]);
}
