import type { FeatureAttributionOutput } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { outputFromJson, outputToJson } from './serialize-output';

/**
 * Writes an output as JSON (Node). The file appears whole or not at all: the text goes to a
 * temporary file beside it, renamed into place only when complete.
 */
export async function saveOutput(output: FeatureAttributionOutput, filePath: string, options?: { indent?: number }): Promise<void> {
  await writeFileAtomic(filePath, outputToJson(output, options));
}

/** Reads a file written by {@link saveOutput}. */
export async function loadOutput(filePath: string): Promise<FeatureAttributionOutput> {
  const fs = await import('node:fs/promises');
  let text: string;
  try {
    text = await fs.readFile(filePath, 'utf8');
  } catch (cause) {
    throw new InseqError('INVALID_FILE', `Cannot read attribution file '${filePath}': ${(cause as Error).message}.`, { cause });
  }
  return outputFromJson(text);
}

/** Writes `text` to `filePath` through a temporary sibling and a rename. */
export async function writeFileAtomic(filePath: string, text: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const temporary = `${filePath}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(temporary, text, 'utf8');
    await fs.rename(temporary, filePath);
  } catch (cause) {
    await fs.rm(temporary, { force: true });
    throw new InseqError('INVALID_ARGUMENT', `Cannot write '${filePath}': ${(cause as Error).message}.`, { cause });
  }
}
