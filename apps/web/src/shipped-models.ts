import { ModelLoadError } from 'inseq';

/** The models the app ships (`models/index.json`, written by the build) and the one it opens on. */
export interface ShippedModels {
  /** Folder name under `models/` the page selects at start. */
  readonly default: string;
  /** Every shipped folder name, sorted. */
  readonly models: readonly string[];
}

/**
 * A prepared example of a model folder's `examples.json`: one click fills the form with it and
 * attributes. `generatedText` forces the continuation: either the words after the prompt
 * (`" she"`) or the whole text starting with the prompt, as the form's field takes it.
 */
export interface PreparedExample {
  readonly label: string;
  readonly prompt: string;
  readonly method: string;
  /** What the example shows (`fact`, `agreement`, `copying`, `bias`); shown as a hint. */
  readonly phenomenon?: string;
  readonly generatedText?: string;
  /** Method options, as the form's JSON field takes them. */
  readonly attributionArgs?: Readonly<Record<string, unknown>>;
}

const EXAMPLE_FIELDS = ['label', 'phenomenon', 'prompt', 'method', 'generatedText', 'attributionArgs'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(source: string, what: string): ModelLoadError {
  return new ModelLoadError(`${source}: ${what}`, { code: 'INVALID_FILE' });
}

/** Reads `models/index.json`; `source` names it in errors. */
export function parseShippedModels(json: unknown, source: string): ShippedModels {
  if (!isObject(json) || !Array.isArray(json.models) || !json.models.every((name) => typeof name === 'string') || json.models.length === 0) {
    throw invalid(source, 'expected {"default": "<folder>", "models": ["<folder>", …]} with at least one model.');
  }
  const models = json.models as string[];
  if (typeof json.default !== 'string' || !models.includes(json.default)) {
    throw invalid(source, `"default" must be one of the listed models (${models.join(', ')}), got ${JSON.stringify(json.default)}.`);
  }
  return { default: json.default, models };
}

/**
 * Checks an `examples.json` (an array of {@link PreparedExample}) and returns its entries. Unknown
 * fields are refused rather than ignored, so a misspelt `generated_text` does not silently run
 * something else; `knownMethods`, when given, are the method ids an example may name.
 *
 * @throws ModelLoadError (`INVALID_FILE`) naming the entry, the field and what it must be.
 */
export function parsePreparedExamples(json: unknown, source: string, knownMethods?: readonly string[]): PreparedExample[] {
  if (!Array.isArray(json)) throw invalid(source, `expected an array of examples ({"label", "prompt", "method", …}), got ${json === null ? 'null' : typeof json}.`);
  return json.map((entry, i) => {
    const where = `example ${i}`;
    if (!isObject(entry)) throw invalid(source, `${where} must be an object with "label", "prompt" and "method".`);
    const unknown = Object.keys(entry).filter((key) => !(EXAMPLE_FIELDS as readonly string[]).includes(key));
    if (unknown.length > 0) throw invalid(source, `${where} has unknown field(s) ${unknown.map((key) => JSON.stringify(key)).join(', ')}; allowed: ${EXAMPLE_FIELDS.join(', ')}.`);
    for (const field of ['label', 'prompt', 'method'] as const) {
      const value = entry[field];
      if (typeof value !== 'string' || value.trim() === '') throw invalid(source, `${where} needs "${field}" as a non-empty string, got ${JSON.stringify(value)}.`);
    }
    for (const field of ['phenomenon', 'generatedText'] as const) {
      if (entry[field] !== undefined && typeof entry[field] !== 'string') throw invalid(source, `${where}: "${field}" must be a string, got ${JSON.stringify(entry[field])}.`);
    }
    if (entry.attributionArgs !== undefined && !isObject(entry.attributionArgs)) {
      throw invalid(source, `${where}: "attributionArgs" must be an object of method options (e.g. {"n_steps": 8}), got ${JSON.stringify(entry.attributionArgs)}.`);
    }
    const method = entry.method as string;
    if (knownMethods !== undefined && !knownMethods.includes(method)) {
      throw invalid(source, `${where} names method ${JSON.stringify(method)}, which is not registered; known: ${knownMethods.join(', ')}.`);
    }
    return {
      label: entry.label as string,
      prompt: entry.prompt as string,
      method,
      ...(entry.phenomenon !== undefined && { phenomenon: entry.phenomenon as string }),
      ...(entry.generatedText !== undefined && { generatedText: entry.generatedText as string }),
      ...(entry.attributionArgs !== undefined && { attributionArgs: entry.attributionArgs as Record<string, unknown> }),
    };
  });
}

/** The whole forced text of `example` (prompt included), or undefined to let the model generate. */
export function forcedText(example: PreparedExample): string | undefined {
  const generated = example.generatedText;
  if (generated === undefined || generated === '') return undefined;
  return generated.startsWith(example.prompt) ? generated : example.prompt + generated;
}
