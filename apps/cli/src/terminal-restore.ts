/** Shows the cursor (`ESC[?25h`) and turns line wrapping back on (`ESC[?7h`), as a progress bar's stop does. */
export const RESTORE_TERMINAL = '\u001b[?25h\u001b[?7h';

/** Exit codes of a process ended by a signal, as shells report them (128 + the signal number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

type Signal = keyof typeof SIGNAL_EXIT_CODES;

/** What {@link guardTerminal} listens on and how it ends the process; injected by tests. */
export interface TerminalGuardHost {
  on(signal: Signal, listener: () => void): unknown;
  off(signal: Signal, listener: () => void): unknown;
  exit(code: number): void;
}

/**
 * While a progress bar has hidden the cursor and turned line wrapping off, Ctrl-C (SIGINT) or
 * SIGTERM would leave the terminal that way: this restores it (cursor shown, wrapping on, a
 * newline after the bar) and exits with 130 (SIGINT) or 143 (SIGTERM). Returns the release
 * function, called when the bar stops.
 */
export function guardTerminal(stream: { write(text: string): unknown }, host: TerminalGuardHost = process): () => void {
  const listeners = (Object.keys(SIGNAL_EXIT_CODES) as Signal[]).map((signal) => {
    const listener = () => {
      release();
      stream.write(`${RESTORE_TERMINAL}\n`);
      host.exit(SIGNAL_EXIT_CODES[signal]);
    };
    host.on(signal, listener);
    return [signal, listener] as const;
  });
  let released = false;
  function release() {
    if (released) return;
    released = true;
    for (const [signal, listener] of listeners) host.off(signal, listener);
  }
  return release;
}
