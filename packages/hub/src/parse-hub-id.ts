/** A Hub model id split into repository and revision. */
export interface HubId {
  /** `'org/name'` or a legacy one-part `'gpt2'`. */
  readonly repoId: string;
  /** The revision after `@`, when one was given. */
  readonly revision?: string;
}

// The Hub's rules for a repo name: letters, digits, '-', '_', '.'; no '--' or '..'; not starting or
// ending with '-' or '.'; at most 96 characters per part.
const PART = /^(?![-.])(?!.*(--|\.\.))[A-Za-z0-9_.-]{1,96}(?<![-.])$/;

/**
 * Parses `'org/name'`, `'name'`, `'org/name@rev'` into {@link HubId}, or `undefined` when the text
 * cannot be a Hub model id (a path such as `./model`, `/tmp/x`, `a/b/c`, `C:\model`).
 */
export function parseHubId(text: string): HubId | undefined {
  const at = text.indexOf('@');
  const repoId = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? undefined : text.slice(at + 1);
  if (revision !== undefined && (revision === '' || /\s/.test(revision))) return undefined;
  const parts = repoId.split('/');
  if (parts.length > 2 || !parts.every((part) => PART.test(part))) return undefined;
  return revision === undefined ? { repoId } : { repoId, revision };
}
