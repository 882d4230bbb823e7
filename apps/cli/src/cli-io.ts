/** Where the CLI writes, and the environment it reads; injected so that tests run it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Environment variables read for colour (`NO_COLOR`, `FORCE_COLOR`) and the table's width (`COLUMNS`). @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where interactive answers are read (`attribute-context`'s prompts); only a TTY is asked. @defaultValue none: nothing is asked */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** The process's own streams. */
export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
