import { InvalidInputError } from '@inseq/core';
import type { SafetensorsDtype } from './safetensors-dtype';

/** Options of the tiny GPT-2 generator; equal options give byte-identical files. */
export interface TinyGpt2Options {
  /** Seed of the weights' PRNG. @defaultValue 0 */
  seed?: number;
  /** Number of transformer blocks. @defaultValue 2 */
  nLayer?: number;
  /** Hidden size. @defaultValue 32 */
  nEmbd?: number;
  /** Attention heads; must divide `nEmbd`. @defaultValue 4 */
  nHead?: number;
  /** Longest sequence (size of the position table). @defaultValue 64 */
  nPositions?: number;
  /** How many of GPT-2's BPE merges the tokenizer keeps; vocab size is `merges + 257`. @defaultValue 1000 */
  merges?: number;
  /** Storage dtype of `model.safetensors`. @defaultValue 'F32' */
  dtype?: SafetensorsDtype;
  /**
   * Std of the normal init of embeddings and weight matrices. Biases and the LayerNorm noise use
   * half of it. 0.2 (ten times GPT-2's 0.02) makes logits spread by about ±1 and attention
   * visibly non-uniform at hidden size 32, so attributions are not flat. @defaultValue 0.2
   */
  initStd?: number;
}

/** {@link TinyGpt2Options} with every default filled in and checked. */
export type ResolvedTinyGpt2Options = Required<TinyGpt2Options>;

const defaults: ResolvedTinyGpt2Options = Object.freeze({
  seed: 0,
  nLayer: 2,
  nEmbd: 32,
  nHead: 4,
  nPositions: 64,
  merges: 1000,
  dtype: 'F32',
  initStd: 0.2,
});

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidInputError(`TinyGpt2Options.${name} must be a positive integer, got ${value}.`, { code: 'INVALID_ARGUMENT' });
  }
}

/** Fills defaults in one place and rejects impossible sizes before any work. */
export function resolveTinyGpt2Options(options: TinyGpt2Options = {}): ResolvedTinyGpt2Options {
  const resolved: ResolvedTinyGpt2Options = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  positiveInteger('nLayer', resolved.nLayer);
  positiveInteger('nEmbd', resolved.nEmbd);
  positiveInteger('nHead', resolved.nHead);
  positiveInteger('nPositions', resolved.nPositions);
  if (resolved.nEmbd % resolved.nHead !== 0) {
    throw new InvalidInputError(
      `TinyGpt2Options.nHead (${resolved.nHead}) must divide nEmbd (${resolved.nEmbd}).`, { code: 'INVALID_ARGUMENT' },
    );
  }
  if (!Number.isFinite(resolved.seed)) {
    throw new InvalidInputError(`TinyGpt2Options.seed must be a finite number, got ${resolved.seed}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (!['F32', 'F16', 'BF16'].includes(resolved.dtype)) {
    throw new InvalidInputError(`TinyGpt2Options.dtype must be one of F32, F16, BF16, got '${resolved.dtype}'.`, { code: 'INVALID_ARGUMENT' });
  }
  if (!(resolved.initStd > 0) || !Number.isFinite(resolved.initStd)) {
    throw new InvalidInputError(`TinyGpt2Options.initStd must be a positive number, got ${resolved.initStd}.`, { code: 'INVALID_ARGUMENT' });
  }
  return resolved;
}
