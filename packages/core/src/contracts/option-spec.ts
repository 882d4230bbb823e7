import { InvalidInputError } from '../errors/invalid-input-error';
import { closestName } from './closest-name';

interface OptionCommon {
  /** One line for `inseq explain` and the web app's option form. */
  readonly description: string;
  /** The user must give it (no default makes sense). @defaultValue false */
  readonly required?: boolean;
}

/** A number option: `integer`, inclusive `min` / `max`, exclusive `above` (e.g. `top_p` in (0, 1]). */
export interface NumberOption extends OptionCommon {
  readonly type: 'number';
  readonly default?: number;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly above?: number;
}

export interface BooleanOption extends OptionCommon {
  readonly type: 'boolean';
  readonly default?: boolean;
}

/** A string option, optionally one of `values`. */
export interface StringOption extends OptionCommon {
  readonly type: 'string';
  readonly default?: string;
  readonly values?: readonly string[];
}

/**
 * Any JSON value (a list, an object, a string-or-list…) that `parse` accepts and turns into the
 * option's value (e.g. `'unk'` → `['unk']`); `parse` returns `undefined` for what it refuses, and
 * `expected` says in words what it accepts. The default, when given, goes through `parse` too.
 */
export interface JsonOption<T = unknown> extends OptionCommon {
  readonly type: 'json';
  readonly default?: unknown;
  readonly expected: string;
  parse(value: unknown): T | undefined;
}

/** How one option of a plugin (method, step function, aggregator) is typed, checked, defaulted and described. */
// biome-ignore lint/suspicious/noExplicitAny: a JSON option's value type is the plugin's own
export type OptionSpec = NumberOption | BooleanOption | StringOption | JsonOption<any>;

/** A plugin's options by key; keys are what the user types, in Inseq's snake_case. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S extends NumberOption
  ? number
  : S extends BooleanOption
    ? boolean
    : S extends { readonly type: 'string'; readonly values: readonly (infer V)[] }
      ? V
      : S extends StringOption
        ? string
        : S extends { readonly type: 'json'; parse(value: unknown): infer T }
          ? Exclude<T, undefined>
          : unknown;

/** The parsed options: a key is always present when its spec has a default or is required. */
export type ParsedOptions<Spec extends OptionSpecs> = {
  -readonly [K in keyof Spec]: Spec[K] extends { readonly default: unknown } | { readonly required: true }
    ? ValueOf<Spec[K]>
    : ValueOf<Spec[K]> | undefined;
};

/**
 * Types a spec without `as const`: `defineOptions({ n_steps: { type: 'number', default: 50, … } })`
 * keeps the literal types that {@link ParsedOptions} infers the parsed options from.
 */
export function defineOptions<const Spec extends OptionSpecs>(spec: Spec): Spec {
  return spec;
}

/** A JSON option: `jsonOption({ expected: 'a list of numbers', parse: (v) => (isNumbers(v) ? v : undefined), … })`. */
// biome-ignore lint/suspicious/noExplicitAny: the value type is inferred from `parse`
export function jsonOption<const S extends Omit<JsonOption<any>, 'type'>>(spec: S): S & { readonly type: 'json' } {
  return { type: 'json', ...spec };
}

/** Untrusted keys are looked up with `Object.hasOwn`, never `in` (no `constructor` / `__proto__` surprises). */
function own(record: object, key: string): boolean {
  return Object.hasOwn(record, key);
}

/** The message tail for an unknown key: the closest known key, then every known key. */
export function unknownOptionMessage(owner: string, key: string, known: readonly string[]): string {
  const guess = closestName(key, known);
  return (
    `${owner} has no option '${key}'.${guess ? ` Did you mean '${guess}'?` : ''} ` +
    `Its options are: ${known.length ? known.join(', ') : '(none)'}.`
  );
}

/** Checks that `raw` is a plain JSON object of options (not null, a list, or a string). */
export function checkOptionsObject(owner: string, raw: unknown): asserts raw is Readonly<Record<string, unknown>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidInputError(`Options of ${owner} must be a JSON object such as {"key": value}, got ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}.`, {
      code: 'INVALID_ARGUMENT',
    });
  }
}

/** What a value must be, in words, for an error message or a form's hint. */
export function describeConstraint(rule: OptionSpec): string {
  switch (rule.type) {
    case 'number': {
      const parts = [rule.integer ? 'an integer' : 'a finite number'];
      if (rule.above !== undefined) parts.push(`> ${rule.above}`);
      if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
      if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
      return parts.join(' ');
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return rule.values ? `one of ${rule.values.map((v) => `'${v}'`).join(', ')}` : 'a string';
    case 'json':
      return rule.expected;
  }
}

/** Why `value` breaks `rule` (what it must be), or undefined when it is fine. */
function violation(rule: OptionSpec, value: unknown): string | undefined {
  switch (rule.type) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return rule.integer ? 'an integer' : 'a finite number';
      if (rule.integer && !Number.isInteger(value)) return 'an integer';
      if (rule.above !== undefined && !(value > rule.above)) return `> ${rule.above}`;
      if (rule.min !== undefined && value < rule.min) return `>= ${rule.min}`;
      if (rule.max !== undefined && value > rule.max) return `<= ${rule.max}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'string':
      if (typeof value !== 'string') return rule.values ? describeConstraint(rule) : 'a string';
      return rule.values && !rule.values.includes(value) ? describeConstraint(rule) : undefined;
    case 'json':
      return rule.parse(value) === undefined ? rule.expected : undefined;
  }
}

/**
 * Validates a plugin's options once, before any work: a non-object, an unknown key (with the
 * closest known key suggested), a missing required key and a value of the wrong type or range
 * fail with an {@link InvalidInputError} (`INVALID_ARGUMENT`) that names the owner, the key and
 * what is allowed. Defaults are filled here only; `undefined` values count as not given.
 */
export function parseOptions<const Spec extends OptionSpecs>(owner: string, raw: unknown, spec: Spec): ParsedOptions<Spec> {
  checkOptionsObject(owner, raw);
  const known = Object.keys(spec);
  for (const key of Object.keys(raw)) {
    if (!own(spec, key)) throw new InvalidInputError(unknownOptionMessage(owner, key, known), { code: 'INVALID_ARGUMENT' });
  }
  const out: Record<string, unknown> = {};
  for (const key of known) {
    const rule = spec[key];
    const given = own(raw, key) ? raw[key] : undefined;
    const value = given === undefined ? rule.default : given;
    if (value === undefined) {
      if (rule.required) {
        throw new InvalidInputError(`${owner} needs option '${key}' (${describeConstraint(rule)}): ${rule.description}`, { code: 'INVALID_ARGUMENT' });
      }
      continue;
    }
    const expected = violation(rule, value);
    if (expected !== undefined) {
      throw new InvalidInputError(`${owner} option '${key}' must be ${expected}, got ${JSON.stringify(value)}.`, { code: 'INVALID_ARGUMENT' });
    }
    out[key] = rule.type === 'json' ? rule.parse(value) : value;
  }
  return out as ParsedOptions<Spec>;
}

/** One option as `inseq explain` and option forms show it. */
export interface OptionDescription {
  readonly name: string;
  readonly type: OptionSpec['type'];
  /** What a value must be, in words ("an integer >= 1", "one of 'a', 'b'"). */
  readonly constraint: string;
  readonly default?: unknown;
  readonly required: boolean;
  readonly description: string;
  /** The allowed values of a string option with a fixed set. */
  readonly values?: readonly string[];
}

/** The options of a spec in declaration order, for listings and generated forms. */
export function describeOptions(spec: OptionSpecs | undefined): OptionDescription[] {
  return Object.entries(spec ?? {}).map(([name, rule]) => ({
    name,
    type: rule.type,
    constraint: describeConstraint(rule),
    ...(rule.default !== undefined ? { default: rule.default } : {}),
    required: rule.required === true,
    description: rule.description,
    ...(rule.type === 'string' && rule.values ? { values: rule.values } : {}),
  }));
}
