import { type ModelFiles, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2 } from './create-tiny-gpt2';
import type { TinyGpt2Options } from './tiny-gpt2-options';

/** The generated tiny GPT-2 as in-memory {@link ModelFiles} at location `'tiny-gpt2'`, for loaders under test. */
export function tinyGpt2ModelFiles(options?: TinyGpt2Options): ModelFiles {
  return memoryModelFiles(createTinyGpt2(options).files, 'tiny-gpt2');
}
