/**
 * A null-prototype record from untrusted keys: a key spelled `constructor`, `toString` or
 * `__proto__` is a plain own property, and looking up a missing name gives `undefined`, never an
 * `Object.prototype` member.
 */
export function recordFromEntries<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const record = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  return record;
}
