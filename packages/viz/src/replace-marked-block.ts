import { InvalidInputError } from '@inseq/core';

/** The markers that delimit the block `inseq evaluate --markdown-into` rewrites. */
export const EVALUATION_BLOCK_MARKERS = { start: '<!-- inseq-evaluate:start -->', end: '<!-- inseq-evaluate:end -->' } as const;

/**
 * `document` with the text between `markers.start` and `markers.end` replaced by `content` (the
 * markers stay, each on its own line around the content). Everything outside the block is kept
 * byte for byte, so a README can hold a generated table among hand-written text.
 *
 * @param source - Names the document in errors (a file path). @defaultValue 'the document'
 * @throws InvalidInputError when a marker is missing, repeated or the end comes before the start.
 */
export function replaceMarkedBlock(
  document: string,
  content: string,
  options: { readonly markers?: { readonly start: string; readonly end: string }; readonly source?: string } = {},
): string {
  const { start, end } = options.markers ?? EVALUATION_BLOCK_MARKERS;
  const source = options.source ?? 'the document';
  const count = (marker: string) => document.split(marker).length - 1;
  const missing = [start, end].filter((marker) => count(marker) === 0);
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${source} has no ${missing.join(' and no ')} marker; add the two lines ${start} and ${end} where the generated block should go.`, { code: 'INVALID_ARGUMENT' },
    );
  }
  const repeated = [start, end].filter((marker) => count(marker) > 1);
  if (repeated.length > 0) {
    throw new InvalidInputError(`${source} has ${repeated.join(' and ')} more than once; keep exactly one block.`, { code: 'INVALID_ARGUMENT' });
  }
  const from = document.indexOf(start) + start.length;
  const to = document.indexOf(end);
  if (to < from) throw new InvalidInputError(`${source} has ${end} before ${start}; put the end marker after the start marker.`, { code: 'INVALID_ARGUMENT' });
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `${document.slice(0, from)}\n${body}${document.slice(to)}`;
}
