import type { OptionDescription } from 'inseq';

/** How one option is edited in the generated form (from its spec, via `describeOptions`). */
export type OptionField =
  | { readonly kind: 'number'; readonly option: OptionDescription; readonly min?: number; readonly max?: number; readonly step: string }
  | { readonly kind: 'boolean'; readonly option: OptionDescription }
  | { readonly kind: 'choice'; readonly option: OptionDescription; readonly values: readonly string[] }
  | { readonly kind: 'text'; readonly option: OptionDescription }
  | { readonly kind: 'json'; readonly option: OptionDescription };

/** Reads `min` / `max` back from a constraint such as "an integer >= 1 <= 10". */
function bound(constraint: string, op: '>=' | '<='): number | undefined {
  const match = constraint.match(new RegExp(`${op} (-?[0-9.e+-]+)`));
  return match ? Number(match[1]) : undefined;
}

/** One field per option, in the spec's order. */
export function optionFields(options: readonly OptionDescription[]): OptionField[] {
  return options.map((option): OptionField => {
    switch (option.type) {
      case 'number':
        return { kind: 'number', option, min: bound(option.constraint, '>='), max: bound(option.constraint, '<='), step: option.constraint.startsWith('an integer') ? '1' : 'any' };
      case 'boolean':
        return { kind: 'boolean', option };
      case 'string':
        return option.values ? { kind: 'choice', option, values: option.values } : { kind: 'text', option };
      default:
        return { kind: 'json', option };
    }
  });
}

/**
 * The options object from the fields' raw values (what the inputs hold: text, or '' / 'true' /
 * 'false' for booleans and choices): an empty field means "the default" and is left out, so the
 * object holds only what the user set. A field that cannot be read (not a number, bad JSON) is
 * reported by name; the spec's own checks (ranges, values) run when the attribution starts.
 */
export function optionsFromFields(fields: readonly OptionField[], raw: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const text = (raw[field.option.name] ?? '').trim();
    if (text === '') continue;
    const name = field.option.name;
    if (field.kind === 'number') {
      const value = Number(text);
      if (!Number.isFinite(value)) throw new Error(`Option ${name} must be a number, got '${text}'.`);
      out[name] = value;
    } else if (field.kind === 'boolean') {
      out[name] = text === 'true';
    } else if (field.kind === 'json') {
      try {
        out[name] = JSON.parse(text);
      } catch {
        out[name] = text; // a bare word such as unk is a JSON string
      }
    } else {
      out[name] = text;
    }
  }
  return out;
}

/** The fields' raw values for an options object (the inverse of {@link optionsFromFields}); unknown keys are ignored. */
export function fieldsFromOptions(fields: readonly OptionField[], options: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const value = Object.hasOwn(options, field.option.name) ? options[field.option.name] : undefined;
    if (value === undefined) out[field.option.name] = '';
    else out[field.option.name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}
