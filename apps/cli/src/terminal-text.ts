/**
 * C0 control characters but `\n` and `\t`, DEL, and C1 control characters: what a terminal would
 * act on (`ESC]0;…` sets the title, `ESC[2J` clears the screen) rather than show.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this matches.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Makes text safe to print on a terminal: every control character but newline and tab becomes
 * its escape (`\x1b`), so bytes quoted from a file or an argument cannot move the cursor, clear the
 * screen or retitle the window.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A message line on stderr (`error: …`, `warning: …`), its text escaped. */
export function writeMessage(stream: { write(text: string): unknown }, prefix: string, message: string): void {
  stream.write(`${prefix}${escapeControlCharacters(message)}\n`);
}

/**
 * cli-progress options that change no terminal mode: the cursor stays visible (`ESC[?25l` never
 * sent) and line wrapping stays on (`ESC[?7l` never sent; the bar truncates its line itself).
 */
export const TERMINAL_MODES_UNTOUCHED = { hideCursor: false, linewrap: true } as const;
