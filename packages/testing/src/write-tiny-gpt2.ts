import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTinyGpt2 } from './create-tiny-gpt2';
import type { TinyGpt2Options } from './tiny-gpt2-options';

/** Writes the generated tiny GPT-2 into `directory` (created with parents if missing), overwriting its files. */
export async function writeTinyGpt2(directory: string, options?: TinyGpt2Options): Promise<void> {
  const { files } = createTinyGpt2(options);
  await mkdir(directory, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(directory, name), bytes);
  }
}
