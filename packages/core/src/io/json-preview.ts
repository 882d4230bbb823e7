/**
 * A short description of an untrusted JSON value for error messages: never recursive, never
 * longer than about `max` characters, whatever the value's size or depth (unlike `JSON.stringify`).
 */
export function previewJson(value: unknown, max = 60): string {
  if (Array.isArray(value)) {
    // A short list of scalars reads best as JSON, e.g. an __instance_type__ pair.
    if (value.length <= 4 && value.every((item) => item === null || ['string', 'number', 'boolean'].includes(typeof item))) {
      const items = value.map((item) => (typeof item === 'string' ? previewJson(item, max) : String(item)));
      return `[${items.join(',')}]`;
    }
    return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 5).map((key) => JSON.stringify(key.length > 20 ? `${key.slice(0, 20)}…` : key));
    return keys.length === 0 ? 'an empty object' : `an object with keys ${shown.join(', ')}${keys.length > 5 ? ', …' : ''}`;
  }
  if (typeof value === 'string') return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  if (value === undefined) return 'nothing';
  return String(value);
}
