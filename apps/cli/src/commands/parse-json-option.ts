import { InvalidArgumentError } from 'commander';

/** Commander parser for a JSON object flag such as `--attribution-kwargs '{"n_steps": 10}'`. */
export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message}); e.g. '{"n_steps": 10}'.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`must be a JSON object, e.g. '{"n_steps": 10}'.`);
  }
  return parsed as Record<string, unknown>;
}

/** Commander parser for a non-negative integer flag. */
export function parseNonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed)) {
    throw new InvalidArgumentError(`must be a non-negative integer, got '${value}'.`);
  }
  return parsed;
}

/** Commander parser for a positive integer flag (`--max-new-tokens`, `--batch-size`, …). */
export function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`must be a positive integer (at least 1), got '${value}'.`);
  }
  return parsed;
}
