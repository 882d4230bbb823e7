/**
 * `@inseq/testing/fuzz`: what the property-based fuzzers of the backends' model-file parsers
 * share (fast-check arbitraries of byte and JSON edits, the run settings, and the property every
 * parser of untrusted bytes keeps). Needs the optional peers fast-check and vitest. Core keeps its
 * own copy (src/io/fuzz/fuzz-support.test-support.ts), since core cannot depend on this package.
 */
import fc from 'fast-check';
import { InseqError } from '@inseq/core';
import { expect } from 'vitest';

/** Runs per property: `FUZZ_RUNS` (the long run, `pnpm fuzz`), else a short seeded run for `pnpm test`. */
export const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 150);
/** Seed of every property: `FUZZ_SEED`, else fixed, so the short run is the same every time. */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 20261205);
/** fast-check parameters of every property. */
export const fuzzParameters = { numRuns: fuzzRuns, seed: fuzzSeed, endOnFailure: true } as const;

// biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The property every parser of untrusted bytes keeps: it returns, or throws an {@link InseqError}
 * whose message holds no control character (file content is escaped). Anything else (a TypeError,
 * a RangeError from a huge allocation, a stack overflow) fails the run with the input.
 */
export async function endsInResultOrInseqError(run: () => unknown): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!InseqError.isInstance(error)) throw error;
    expect(error.message).not.toMatch(controlCharacter);
  }
}

/** One edit of a byte string: flip bits, overwrite, insert, delete, truncate, or splice a hostile pattern. */
export type ByteEdit =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

/** Hostile byte patterns: varints with every continuation bit, huge lengths, terminal escapes. */
const patterns: readonly Uint8Array[] = [
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  Uint8Array.from([0x80, 0x80, 0x80]),
  Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
  new TextEncoder().encode('\x1b]0;pwned\x07\x1b[2J'),
  Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x10]),
];

/** Edits of a byte string, positions as fractions of its length. */
export const byteEdits: fc.Arbitrary<ByteEdit[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.constantFrom(...patterns)),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), count: fc.integer({ min: 1, max: 16 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  ),
  { minLength: 1, maxLength: 6 },
);

/** `bytes` with `edits` applied (a new array; `bytes` is left as is). */
export function applyByteEdits(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let out = bytes.slice();
  for (const edit of edits) {
    const at = Math.min(out.length, Math.floor(edit.at * out.length));
    if (edit.kind === 'flip' && at < out.length) out[at] ^= edit.mask;
    else if (edit.kind === 'set' && at < out.length) out[at] = edit.value;
    else if (edit.kind === 'insert') out = Uint8Array.from([...out.subarray(0, at), ...edit.bytes, ...out.subarray(at)]);
    else if (edit.kind === 'delete') out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + edit.count)]);
    else if (edit.kind === 'truncate') out = out.slice(0, at);
  }
  return out;
}

/** Hostile JSON values: wrong types, huge and negative numbers, deep nesting, control characters. */
export const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, -1, 0, 2 ** 60, 1e308, -0.5, 1.5, '', '\x1b[2J', '\u202e', [], {}, [null], { content: 5 }, true),
  fc.integer({ min: 1, max: 1000 }).map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
);

/** An edit of a parsed JSON document: a path chosen by fractions, and what to put there (or delete). */
export interface JsonEdit {
  readonly path: readonly number[];
  readonly value: unknown;
  readonly remove: boolean;
}

export const jsonEdits: fc.Arbitrary<JsonEdit[]> = fc.array(
  fc.record({ path: fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 5 }), value: hostileJsonValue, remove: fc.boolean() }),
  { minLength: 1, maxLength: 4 },
);

/** A deep copy of `document` with `edits` applied: each walks down its path (objects and arrays) and replaces or removes what it reaches. */
export function applyJsonEdits(document: unknown, edits: readonly JsonEdit[]): unknown {
  const root = { value: structuredClone(document) } as Record<string, unknown>;
  for (const edit of edits) {
    let parent: Record<string, unknown> | unknown[] = root;
    let key: string | number = 'value';
    for (const fraction of edit.path) {
      const current = (parent as Record<string | number, unknown>)[key];
      if (typeof current !== 'object' || current === null) break;
      const keys: (string | number)[] = Array.isArray(current) ? current.map((_, i) => i) : Object.keys(current);
      if (keys.length === 0) break;
      parent = current as Record<string, unknown>;
      key = keys[Math.floor(fraction * keys.length)];
    }
    if (edit.remove && parent !== root) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string, unknown>)[key as string];
    } else {
      (parent as Record<string | number, unknown>)[key] = structuredClone(edit.value);
    }
  }
  return root.value;
}
