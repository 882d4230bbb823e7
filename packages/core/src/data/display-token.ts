import { decodeToken } from './decode-token';

const VISIBLE_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// C0 and C1 control characters and DEL: they would break a table line or be invisible.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const OPEN_BOX = '\u2423';

/**
 * The label shown for a token in a heatmap or table: {@link decodeToken}, then made printable on
 * one line — newline, carriage return and tab as `\n`, `\r`, `\t`, other control characters as
 * `\xNN` — and a token that is only spaces shown as `␣` per space so that its row is not blank.
 * Leading spaces of word-initial tokens (`Ġcapital` → ` capital`) are kept.
 *
 * Pass `text` (one entry of {@link decodeTokens}) to label a token decoded with its neighbours.
 */
export function displayToken(token: string, text: string = decodeToken(token)): string {
  // Inseq shows a token that cleans to nothing as a space (`HuggingfaceModel.clean_tokens`).
  const shown = text === '' && token !== '' ? ' ' : text;
  const visible = shown.replace(
    CONTROL,
    (character) => VISIBLE_ESCAPES[character] ?? `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return /^ +$/.test(visible) ? OPEN_BOX.repeat(visible.length) : visible;
}
