import { InvalidInputError, type ModelFiles } from '@inseq/core';
import { inseqPlatform } from '#inseq-platform';

/**
 * One held-out evaluation case (a line of `evaluation.jsonl`): a prompt whose next token
 * (`target`'s first token) is decided by a known word of the prompt.
 */
export interface EvaluationCase {
  /** Group the case is reported under (`fact`, `agreement`, `copying`, `bias`, …). */
  readonly phenomenon: string;
  readonly prompt: string;
  /** Expected continuation, e.g. `' Paris'`; only its first token is scored. */
  readonly target: string;
  /** The word of `prompt` that decides the target (its first occurrence unless `decisiveStart` is given). */
  readonly decisive: string;
  /** Character offset of `decisive` in `prompt`, when it is not the first occurrence. */
  readonly decisiveStart?: number;
}

/** The character range `[start, end)` of a case's decisive word in its prompt. */
export function decisiveRange(testCase: EvaluationCase): { start: number; end: number } {
  const start = testCase.decisiveStart ?? testCase.prompt.indexOf(testCase.decisive);
  return { start, end: start + testCase.decisive.length };
}

/** The problem with one parsed line, or undefined when it is a valid case. */
function problemOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const record = value as Record<string, unknown>;
  for (const field of ['phenomenon', 'prompt', 'target', 'decisive']) {
    if (typeof record[field] !== 'string') return `has no string field "${field}" (each line needs phenomenon, prompt, target and decisive)`;
  }
  const { prompt, target, decisive, decisiveStart } = record as Record<string, string> & { decisiveStart?: unknown };
  if (prompt.length === 0) return 'has an empty "prompt"';
  if (target.length === 0) return 'has an empty "target"; give the expected continuation, e.g. " Paris"';
  if (decisive.length === 0) return 'has an empty "decisive"; give the word of the prompt that decides the target';
  if (decisiveStart !== undefined) {
    if (typeof decisiveStart !== 'number' || !Number.isInteger(decisiveStart) || decisiveStart < 0) {
      return `has "decisiveStart" ${JSON.stringify(decisiveStart)}; it must be a non-negative integer character offset`;
    }
    if (prompt.slice(decisiveStart, decisiveStart + decisive.length) !== decisive) {
      return `has "decisiveStart" ${decisiveStart}, but the prompt there reads ${JSON.stringify(prompt.slice(decisiveStart, decisiveStart + decisive.length))}, not ${JSON.stringify(decisive)}`;
    }
  } else if (!prompt.includes(decisive)) {
    return `has decisive ${JSON.stringify(decisive)}, which does not occur in the prompt ${JSON.stringify(prompt)}`;
  }
  return undefined;
}

/**
 * Parses `evaluation.jsonl` text: one JSON case per line ({@link EvaluationCase}); blank lines are
 * skipped. Unknown fields are ignored.
 *
 * @param source - Names the text in errors (its path). @defaultValue 'evaluation cases'
 * @throws InvalidInputError naming the line and the problem: bad JSON, a missing or empty field,
 *   a decisive word that is not in the prompt, or no case at all.
 */
export function parseEvaluationCases(text: string, source = 'evaluation cases'): EvaluationCase[] {
  const cases: EvaluationCase[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new InvalidInputError(`${source}, line ${index + 1}: not valid JSON (${(cause as Error).message}).`, { code: 'INVALID_INPUT' });
    }
    const problem = problemOf(value);
    if (problem !== undefined) throw new InvalidInputError(`${source}, line ${index + 1} ${problem}.`, { code: 'INVALID_INPUT' });
    const { phenomenon, prompt, target, decisive, decisiveStart } = value as EvaluationCase;
    cases.push({ phenomenon, prompt, target, decisive, ...(decisiveStart !== undefined && { decisiveStart }) });
  });
  if (cases.length === 0) throw new InvalidInputError(`${source} holds no case; write one JSON object per line.`, { code: 'INVALID_INPUT' });
  return cases;
}

/**
 * Reads and parses an `evaluation.jsonl`: a file path (Node), or a file of a model folder
 * (`ModelFiles`, e.g. `evaluation.jsonl` next to the weights; works in browsers too).
 *
 * @throws InvalidInputError as {@link parseEvaluationCases}, or when the file does not exist.
 */
export async function readEvaluationCases(source: string | ModelFiles, name = 'evaluation.jsonl'): Promise<EvaluationCase[]> {
  if (typeof source !== 'string') {
    if (!(await source.has(name))) {
      throw new InvalidInputError(`${source.location} has no ${name}; give the evaluation cases as a JSONL file.`, { code: 'INVALID_INPUT' });
    }
    return parseEvaluationCases(new TextDecoder().decode(await source.read(name)), `${source.location}/${name}`);
  }
  const text = await inseqPlatform.readTextFile(source).catch((cause: NodeJS.ErrnoException) => {
    throw new InvalidInputError(`Cannot read evaluation cases from ${source}: ${cause.code === 'ENOENT' ? 'no such file' : cause.message}.`, { code: 'INVALID_INPUT' });
  });
  return parseEvaluationCases(text, source);
}
