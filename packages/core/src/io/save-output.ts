import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { type OutputToBytesOptions, outputToBytes } from './output-to-bytes';

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
 * Writes an output to an attribution file (Node): inseq-ts JSON or Python Inseq's layout
 * (`format: 'inseq'`, which Python's `FeatureAttributionOutput.load` reads), optionally gzipped,
 * at reduced precision, or one file per sequence. Every file appears whole or not at all: all are
 * written to temporary siblings first and renamed into place only when every one is complete.
 *
 * @returns the paths written.
 */
export async function saveOutput(output: FeatureAttributionOutput, filePath: string, options?: SaveOutputOptions): Promise<string[]> {
  const compress = options?.compress ?? filePath.endsWith('.gz');
  const files = options?.splitSequences
    ? output.sequence_attributions.map((_, index) => ({ path: splitSequencePath(filePath, index), output: outputOfSequence(output, index) }))
    : [{ path: filePath, output }];
  const zlib = compress ? await import('node:zlib') : undefined;
  const contents = await Promise.all(
    files.map(async (file) => {
      const bytes = await outputToBytes(file.output, { ...options, compress: false });
      return { path: file.path, data: zlib ? new Uint8Array(zlib.gzipSync(bytes)) : bytes };
    }),
  );
  await writeFilesAtomic(contents);
  return contents.map((file) => file.path);
}

/** Writes `data` to `filePath` through a temporary sibling and a rename. */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  await writeFilesAtomic([{ path: filePath, data }]);
}

/** Writes every file to a temporary sibling, then renames them all; on failure removes what it wrote. */
async function writeFilesAtomic(files: { path: string; data: string | Uint8Array }[]): Promise<void> {
  const fs = await import('node:fs/promises');
  const stamp = `${process.pid}.${Date.now()}`;
  const temporaries = files.map((file) => `${file.path}.${stamp}.tmp`);
  let current = files[0]?.path;
  try {
    for (const [i, file] of files.entries()) {
      current = file.path;
      await fs.writeFile(temporaries[i], file.data);
    }
    for (const [i, file] of files.entries()) {
      current = file.path;
      await fs.rename(temporaries[i], file.path);
    }
  } catch (cause) {
    await Promise.all(temporaries.map((temporary) => fs.rm(temporary, { force: true })));
    throw new InseqError(`Cannot write '${current}': ${(cause as Error).message}.`, { code: 'INVALID_ARGUMENT', cause });
  }
}
