import { InseqError } from './errors/inseq-error';
import { UnknownIdError } from './errors/unknown-id-error';

/** Anything a registry holds has a stable snake_case id as its `name`. */
export interface Named {
  readonly name: string;
}

/** Options of {@link Registry.register}. */
export interface RegisterOptions {
  /** Replace an entry with the same name instead of throwing. @defaultValue false */
  override?: boolean;
}

/** An explicit, ordered collection of plugins of one kind (methods, step functions, aggregators, backends). */
export interface Registry<T extends Named> {
  /** What the registry holds, in words ('attribution method'); used in error messages. */
  readonly kind: string;
  register(entry: T, options?: RegisterOptions): this;
  /** The entry called `name`; throws {@link UnknownIdError} listing the known names. */
  get(name: string): T;
  has(name: string): boolean;
  /** Names in registration order. */
  list(): string[];
  values(): T[];
}

/** Creates an empty registry. Built-ins are added by explicit `registerBuiltin*` calls, never on import. */
export function createRegistry<T extends Named>(kind: string): Registry<T> {
  const entries = new Map<string, T>();
  const registry: Registry<T> = {
    kind,
    register(entry, options) {
      if (typeof entry?.name !== 'string' || entry.name.length === 0) {
        throw new InseqError(`A ${kind} needs a non-empty string 'name'.`, { code: 'INVALID_ARGUMENT' });
      }
      if (entries.has(entry.name) && !options?.override) {
        throw new InseqError(
          `A ${kind} named '${entry.name}' is already registered; pass { override: true } to replace it.`, { code: 'DUPLICATE_ID' },
        );
      }
      entries.set(entry.name, entry);
      return registry;
    },
    get(name) {
      const entry = entries.get(name);
      if (!entry) throw new UnknownIdError(kind, name, [...entries.keys()]);
      return entry;
    },
    has: (name) => entries.has(name),
    list: () => [...entries.keys()],
    values: () => [...entries.values()],
  };
  return registry;
}

/**
 * A read-only view of `registry`: lookups pass through, `register` throws an {@link InseqError}
 * (`'INVALID_ARGUMENT'`) saying so, followed by `hint` (what to do instead). Used for shared default
 * registries, which no caller may change for every other one.
 */
export function readonlyRegistry<T extends Named>(registry: Registry<T>, hint?: string): Registry<T> {
  const view: Registry<T> = {
    kind: registry.kind,
    register(entry) {
      throw new InseqError(
        `This ${registry.kind} registry is read-only; cannot register '${String(entry?.name)}'.${hint ? ` ${hint}` : ''}`,
        { code: 'INVALID_ARGUMENT' },
      );
    },
    get: (name) => registry.get(name),
    has: (name) => registry.has(name),
    list: () => registry.list(),
    values: () => registry.values(),
  };
  return Object.freeze(view);
}
