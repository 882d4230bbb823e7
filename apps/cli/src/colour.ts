/** What decides whether the CLI's table is coloured: the stream and the environment. */
export interface ColourContext {
  readonly isTTY?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether to write ANSI colour codes: never with `--no-color` (`flag` false); else `FORCE_COLOR`
 * set and not `0` forces them and `FORCE_COLOR=0` turns them off (as Node and chalk read it);
 * else a non-empty `NO_COLOR` turns them off (https://no-color.org); else colour only when the
 * output is a terminal (a file or a pipe gets plain text).
 */
export function useColour(flag: boolean, { isTTY, env }: ColourContext): boolean {
  if (!flag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY === true;
}
