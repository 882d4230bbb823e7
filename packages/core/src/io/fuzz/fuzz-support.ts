/**
 * Shared pieces of the property-based fuzzers of parsers that read untrusted bytes (fast-check,
 * a devDependency: test code only, never exported from `src/index.ts`). A fuzzer mixes valid files
 * made from real outputs, mutated (`mutatedBytes`, `mutatedJson`), with random bytes, and checks
 * with `resultOrInseqError` that every run ends in a result or an `InseqError`: no other
 * exception type, no hang.
 *
 * Runs: `FUZZ_RUNS` (default: the few hundred the normal `vitest run` affords), seed `FUZZ_SEED`
 * (default fixed, so CI is reproducible; the long run `pnpm fuzz` draws a random one and prints it).
 */
import fc from 'fast-check';
import { InseqError } from '../../errors/inseq-error';

/** Runs per property: `FUZZ_RUNS` when set, else `fallback`. */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isSafeInteger(runs) && runs > 0 ? runs : fallback;
}

/** `fc.assert` parameters: the run count, `FUZZ_SEED` (or a fixed seed) and, in long runs, progress on failure only. */
export function fuzzParameters(fallbackRuns: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: fuzzRuns(fallbackRuns), seed: Number.isSafeInteger(seed) ? seed : 20261205, endOnFailure: true };
}

/** The test timeout for a fuzz test: long runs get an hour. */
export function fuzzTimeout(shortMs = 120_000): number {
  return process.env.FUZZ_RUNS ? 3_600_000 : shortMs;
}

/**
 * Runs `read` and requires a result or an `InseqError`; anything else (a TypeError, a RangeError
 * from deep recursion, a plain Error) fails with the input's description. Also fails a run slower
 * than `maxMs` (a hang or a quadratic blow-up on small inputs).
 */
export async function resultOrInseqError<T>(read: () => T | Promise<T>, describe: () => string, maxMs = 10_000): Promise<T | InseqError> {
  const started = performance.now();
  let outcome: T | InseqError;
  try {
    outcome = await read();
  } catch (error) {
    if (!InseqError.isInstance(error)) {
      const name = (error as Error)?.constructor?.name ?? typeof error;
      throw new Error(`expected a result or an InseqError, got ${name}: ${(error as Error)?.message ?? String(error)}\ninput: ${describe()}`, { cause: error });
    }
    outcome = error;
  }
  const elapsed = performance.now() - started;
  if (elapsed > maxMs) throw new Error(`took ${Math.round(elapsed)} ms (more than ${maxMs})\ninput: ${describe()}`);
  return outcome;
}

/** Keys that break code looking untrusted names up on plain objects. */
export const prototypeKeys = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'] as const;

/** Numbers that stress numeric checks (sizes, offsets, dims). */
export const hostileNumbers = [0, -1, 0.5, -0, 1e308, -1e308, 2 ** 53 + 2, 2 ** 32, 2 ** 31, 1e9, Number.MAX_SAFE_INTEGER, 5e-324] as const;

/** Short of the thousand levels parsers accept, just past them, and far past. */
const depths = [50, 999, 1001, 5000, 200_000];

/** `[[[…1…]]]` nested `depth` times, as text. */
export function deepArrayText(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

/** One mutation of a byte buffer. */
type ByteEdit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; at: number; length: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x5b, 0x7b, 0x1f, 0x8b) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
);

function applyByteEdit(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  if (bytes.length === 0) return edit.kind === 'insert' ? edit.bytes : bytes;
  const at = edit.at % bytes.length;
  switch (edit.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[at] ^= 1 << edit.bit;
      return out;
    }
    case 'set': {
      const out = bytes.slice();
      out[at] = edit.value;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + edit.length)]);
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), ...edit.bytes, ...bytes.subarray(at)]);
    case 'duplicate':
      return Uint8Array.from([...bytes.subarray(0, at + edit.length), ...bytes.subarray(at)]);
  }
}

/** One of `seeds`, mutated by 1 to `maxEdits` byte edits (flips, truncation, deletion, insertion, duplication). */
export function mutatedBytes(seeds: readonly Uint8Array[], maxEdits = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: maxEdits }))
    .map(([seed, edits]) => edits.reduce(applyByteEdit, seed));
}

/** Random bytes, sometimes behind a gzip magic number or a JSON opening. */
export function randomBytes(maxLength = 2048): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom([], [0x1f, 0x8b], [0x1f, 0x8b, 0x08, 0x00], [0x7b], [0x5b]), fc.uint8Array({ maxLength }))
    .map(([prefix, rest]) => Uint8Array.from([...prefix, ...rest]));
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A replacement value for a mutated field: wrong types, hostile numbers and strings, deep nesting. */
const hostileValue: fc.Arbitrary<() => JsonValue> = fc.oneof(
  fc.constantFrom(...hostileNumbers).map((value) => () => value),
  fc.constantFrom(null, true, '', 'constructor', '__proto__', 'toString', 'float16', 'complex64', 'b64:', 'b64.gz:H4sI', 'AAAA', 'NaN').map((value) => () => value),
  fc.constantFrom(...depths).map((depth) => () => {
    let value: JsonValue = 1;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }),
  fc.constantFrom<JsonValue[]>([], [1, 2, 3], [[1, 2], [3]], [-1], [0.5], [1e9, 1e9], [2 ** 53 + 2]).map((value) => () => cloneJson(value)),
  fc
    .constantFrom<JsonValue[]>({}, { __ndarray__: 'b64:AAAAAA==', dtype: 'constructor', shape: [1] }, { dtype: 'float16', shape: [1e9], base64: '' }, { __instance_type__: ['inseq.x', 'constructor'], attributes: {} })
    .map((value) => () => cloneJson(value)),
  fc.jsonValue({ maxDepth: 3 }).map((value) => () => value as JsonValue),
);

/** One mutation of a JSON document at a node chosen by index. */
type JsonEdit =
  | { kind: 'replace'; node: number; value: () => JsonValue }
  | { kind: 'rename'; node: number; key: string }
  | { kind: 'delete'; node: number }
  | { kind: 'wrap'; node: number; depth: number }
  | { kind: 'duplicate'; node: number };

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('replace' as const), node: fc.nat(), value: hostileValue }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('rename' as const), node: fc.nat(), key: fc.constantFrom(...prototypeKeys, '__instance_type__', '__ndarray__', 'format', 'attributes') }), weight: 2 },
  fc.record({ kind: fc.constant('delete' as const), node: fc.nat() }),
  fc.record({ kind: fc.constant('wrap' as const), node: fc.nat(), depth: fc.constantFrom(...depths) }),
  fc.record({ kind: fc.constant('duplicate' as const), node: fc.nat() }),
);

/** Every container of a document with each key or index in it, in a fixed order (iterative). */
function slots(root: JsonValue): { parent: JsonValue[] | Record<string, JsonValue>; key: string | number }[] {
  const found: { parent: JsonValue[] | Record<string, JsonValue>; key: string | number }[] = [];
  const stack: JsonValue[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        found.push({ parent: node, key: i });
        if (typeof child === 'object' && child !== null) stack.push(child);
      });
    } else if (typeof node === 'object' && node !== null) {
      for (const key of Object.keys(node)) {
        found.push({ parent: node, key });
        const child = node[key];
        if (typeof child === 'object' && child !== null) stack.push(child);
      }
    }
  }
  return found;
}

/** A deep copy without recursion (`structuredClone` overflows the stack on the deep values mutations make). */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const copyOf = (node: object): object => (Array.isArray(node) ? new Array(node.length) : {});
  const root = copyOf(value);
  const stack: [object, object][] = [[value, root]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [from, to] = item;
    for (const key of Object.keys(from)) {
      const child = (from as Record<string, unknown>)[key];
      let copied: unknown = child;
      if (typeof child === 'object' && child !== null) {
        copied = copyOf(child);
        stack.push([child, copied as object]);
      }
      Object.defineProperty(to, key, { value: copied, writable: true, enumerable: true, configurable: true });
    }
  }
  return root as T;
}

function setSlot(parent: JsonValue[] | Record<string, JsonValue>, key: string | number, value: JsonValue): void {
  Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
}

function applyJsonEdit(root: JsonValue, edit: JsonEdit): JsonValue {
  const all = slots(root);
  if (all.length === 0) return edit.kind === 'replace' ? edit.value() : root;
  const { parent, key } = all[edit.node % all.length];
  const current = (parent as Record<string, JsonValue>)[key];
  switch (edit.kind) {
    case 'replace':
      setSlot(parent, key, edit.value());
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        delete parent[key as string];
        setSlot(parent, edit.key, current);
      }
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      break;
    case 'wrap': {
      let value = current;
      for (let i = 0; i < edit.depth; i++) value = [value];
      setSlot(parent, key, value);
      break;
    }
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(key as number, 0, cloneJson(current));
      else setSlot(parent, `${key}_copy`, cloneJson(current));
      break;
  }
  return root;
}

/**
 * Text of JSON without recursion limits: `JSON.stringify` overflows the stack on the deep values
 * the mutations make. Non-finite numbers become bare `NaN` / `Infinity`, as Python writes them.
 */
export function jsonText(value: JsonValue): string {
  const parts: string[] = [];
  const stack: ({ value: JsonValue } | { raw: string })[] = [{ value }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if ('raw' in item) {
      parts.push(item.raw);
      continue;
    }
    const node = item.value;
    if (Array.isArray(node)) {
      parts.push('[');
      stack.push({ raw: ']' });
      for (let i = node.length - 1; i >= 0; i--) {
        stack.push({ value: node[i] });
        if (i > 0) stack.push({ raw: ',' });
      }
    } else if (typeof node === 'object' && node !== null) {
      parts.push('{');
      stack.push({ raw: '}' });
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ value: node[keys[i]] });
        stack.push({ raw: `${JSON.stringify(keys[i])}:` });
        if (i > 0) stack.push({ raw: ',' });
      }
    } else if (typeof node === 'number' && !Number.isFinite(node)) {
      parts.push(Number.isNaN(node) ? 'NaN' : node > 0 ? 'Infinity' : '-Infinity');
    } else {
      parts.push(JSON.stringify(node) ?? 'null');
    }
  }
  return parts.join('');
}

/**
 * One of `seeds` (parsed JSON documents), with 1 to `maxEdits` structural edits: a value replaced
 * by a wrong type, a hostile number or string, or deep nesting; a key renamed to `__proto__`,
 * `constructor`…; a field deleted, wrapped in arrays or duplicated. Returned as text (bare
 * `NaN`/`Infinity` where a number is not finite, as Python writes them).
 */
export function mutatedJson(seeds: readonly unknown[], maxEdits = 3): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(jsonEdit, { minLength: 1, maxLength: maxEdits }))
    .map(([seed, edits]) => jsonText(edits.reduce(applyJsonEdit, cloneJson(seed) as JsonValue)));
}

/** A short description of bytes for failure messages. */
export function describeBytes(bytes: Uint8Array | string): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  return `${bytes.length} ${typeof bytes === 'string' ? 'chars' : 'bytes'}: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`;
}
