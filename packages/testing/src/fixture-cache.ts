/**
 * The generators of this package (tiny models, their ONNX exports, tokenizer.json files) are pure
 * functions of their options, and test files ask for the same ones again and again: one `pnpm test`
 * built GPT-2's 1000-merge tokenizer about 600 times, ~40 s of CPU over the run. Each process keeps
 * the last results here and hands out deep copies (`structuredClone`), so a caller that edits what it
 * got (a truncated file, a changed config) never changes what the next caller gets.
 */
const cache = new Map<string, unknown>();
/** Enough for every variant one test file uses; the oldest entry goes first. */
const maxEntries = 64;
/** Results holding more array bytes than this are not kept (real-shape folders of hundreds of MB). */
const maxCachedBytes = 64 * 1024 * 1024;

/**
 * `build()`'s result for `options`, built once per process and copied on every call. Options that
 * are not plain data (functions, typed arrays, class instances) are never cached: `build()` runs.
 */
export function cachedFixture<T>(name: string, options: unknown, build: () => T): T {
  const key = fixtureKey(options);
  if (key === undefined) return build();
  const entry = `${name}(${key})`;
  let value = cache.get(entry) as T | undefined;
  if (value === undefined) {
    value = build();
    if (arrayBytes(value, maxCachedBytes) > maxCachedBytes) return value;
  } else {
    cache.delete(entry);
  }
  cache.set(entry, value);
  if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
  return structuredClone(value);
}

/** Bytes of the typed arrays and ArrayBuffers in `value`, counted until they pass `limit`. */
function arrayBytes(value: unknown, limit: number, seen = new Set<object>()): number {
  if (typeof value !== 'object' || value === null || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
  let total = 0;
  for (const item of Object.values(value)) {
    total += arrayBytes(item, limit - total, seen);
    if (total > limit) break;
  }
  return total;
}

/** Forgets every cached fixture: the next call of each generator builds it again (a determinism test's second call). */
export function clearFixtureCache(): void {
  cache.clear();
}

/** A canonical text for plain data (keys sorted, `undefined`, `-0`, NaN kept apart), else `undefined`. */
export function fixtureKey(value: unknown): string | undefined {
  if (value === undefined) return 'u';
  if (value === null) return 'n';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'object': {
      if (Array.isArray(value)) {
        const items = value.map(fixtureKey);
        return items.includes(undefined) ? undefined : `[${items.join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return undefined;
      const parts: string[] = [];
      for (const name of Object.keys(value).sort()) {
        const item = fixtureKey((value as Record<string, unknown>)[name]);
        if (item === undefined) return undefined;
        parts.push(`${JSON.stringify(name)}:${item}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}
