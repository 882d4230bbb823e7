import { InvalidInputError } from '../errors/invalid-input-error';

/** How one option is checked and defaulted. */
export type OptionSpec =
  | { readonly type: 'number'; readonly default?: number; readonly integer?: boolean; readonly min?: number; readonly max?: number }
  | { readonly type: 'boolean'; readonly default?: boolean }
  | { readonly type: 'string'; readonly default?: string; readonly values?: readonly string[] }
  | { readonly type: 'any'; readonly default?: unknown };

type ValueOf<S extends OptionSpec> = S extends { type: 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'string' }
      ? string
      : unknown;

/** The parsed options: a key is always present when its spec has a default. */
export type ParsedOptions<Spec extends Record<string, OptionSpec>> = {
  -readonly [K in keyof Spec]: Spec[K] extends { default: unknown } ? ValueOf<Spec[K]> : ValueOf<Spec[K]> | undefined;
};

/**
 * Validates a plugin's options once, before any work: unknown keys and wrong types fail with an
 * error that names the owner, the key, and what is allowed. Defaults are filled here only.
 */
export function parseOptions<Spec extends Record<string, OptionSpec>>(
  owner: string,
  raw: Readonly<Record<string, unknown>>,
  spec: Spec,
): ParsedOptions<Spec> {
  const allowed = Object.keys(spec);
  for (const key of Object.keys(raw)) {
    if (!(key in spec)) {
      throw new InvalidInputError(
        `${owner} has no option '${key}'. Its options are: ${allowed.join(', ') || '(none)'}.`, { code: 'INVALID_ARGUMENT' },
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(spec)) {
    const value = raw[key] === undefined ? rule.default : raw[key];
    if (value === undefined) continue;
    const fail = (expected: string) => {
      throw new InvalidInputError(`${owner} option '${key}' must be ${expected}, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
    };
    if (rule.type === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('a finite number');
      const n = value as number;
      if (rule.integer && !Number.isInteger(n)) fail('an integer');
      if (rule.min !== undefined && n < rule.min) fail(`>= ${rule.min}`);
      if (rule.max !== undefined && n > rule.max) fail(`<= ${rule.max}`);
    } else if (rule.type === 'boolean') {
      if (typeof value !== 'boolean') fail('true or false');
    } else if (rule.type === 'string') {
      if (typeof value !== 'string') fail('a string');
      if (rule.values && !rule.values.includes(value as string)) fail(`one of ${rule.values.map((v) => `'${v}'`).join(', ')}`);
    }
    out[key] = value;
  }
  return out as ParsedOptions<Spec>;
}
