import { InvalidInputError } from '@inseq/core';
import type { ContextPrompter } from './attribute-context-types';

/** Inseq's punctuation split of a generated output: runs of whitespace and `.?!,;:)]}`. */
const PUNCTUATION_SPLIT = /[\s.?!,;:)\]}]+/;

/**
 * The output context Inseq proposes for a generated output (`prepare_outputs`): the first piece when
 * splitting on the template's `separator` (the text between `{context}` and `{current}`) gives
 * exactly 2 pieces, else the first piece when splitting on whitespace/punctuation runs gives exactly
 * 2 non-empty pieces; `undefined` when neither does (or the first piece is empty).
 */
export function outputContextCandidate(output: string, separator: string): string | undefined {
  if (separator !== '') {
    const pieces = output.split(separator);
    if (pieces.length === 2 && pieces[0] !== '') return pieces[0];
  }
  const pieces = output.split(PUNCTUATION_SPLIT).filter((piece) => piece !== '');
  return pieces.length === 2 ? pieces[0] : undefined;
}

/** The error of a question asked with no {@link ContextPrompter} (e.g. stdin is not a terminal). */
export function noPrompterError(what: string, alternative: string): InvalidInputError {
  return new InvalidInputError(`${what}, but no prompt is available (not an interactive terminal). ${alternative}`, { code: 'INVALID_ARGUMENT' });
}

/**
 * Inseq's `prompt_user_for_context`: confirm the candidate, else ask for the context; the answer must
 * start the generated output, and an empty answer is confirmed before it is used.
 */
export async function promptUserForContext(prompter: ContextPrompter, output: string, candidate: string | undefined): Promise<string> {
  for (;;) {
    const accepted = candidate !== undefined && candidate !== ''
      && (await prompter.confirm(`The model generated the following output: "${output}"\nIs "${candidate}" the correct context you want to attribute?`));
    const answer = accepted ? (candidate as string) : await prompter.ask('Please enter the portion of the generated output representing the correct context');
    if (output.startsWith(answer)) {
      if (answer.trim() !== '') return answer;
      if (await prompter.confirm('The provided context is empty. Do you want to use an empty context?')) return '';
      continue;
    }
    prompter.notify?.('The provided context is invalid. Please provide a non-empty substring of the model output above to use as context.');
  }
}

/**
 * Inseq's `prompt_user_for_contextless_output_next_tokens`: asks whether to give a word to compare
 * with the contextual token; `undefined` when the user declines (the contextless model's own token is used).
 */
export async function promptUserForContextlessNextToken(prompter: ContextPrompter, contextualPrefix: string, contextualToken: string): Promise<string | undefined> {
  for (;;) {
    const wants = await prompter.confirm(
      `Contextual prefix: "${contextualPrefix}"\nThe token "${contextualToken}" is produced in the contextual setting. Do you want to specify a word for comparison?`,
    );
    if (!wants) return undefined;
    const word = await prompter.ask('Please enter the word to use for comparison with the contextual output:');
    if (word.trim() !== '') return word;
    prompter.notify?.('The provided word is empty. Please provide a non-empty word.');
  }
}
