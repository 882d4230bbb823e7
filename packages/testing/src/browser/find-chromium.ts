import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package puts the browser. */
export const debianChromiumPath = '/usr/bin/chromium';

/** Where {@link findChromium} found the browser, or why it found none. */
export type ChromiumLookup = { readonly path: string } | { readonly path?: undefined; readonly reason: string };

/**
 * Finds the Chromium binary browser tests drive: `$INSEQ_CHROMIUM` when set, else Debian's
 * `/usr/bin/chromium`. Never downloads a browser (the project installs Debian's with apt).
 */
export function findChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
  systemPath: string = debianChromiumPath,
): ChromiumLookup {
  const fromEnv = env.INSEQ_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== '') {
    return existsSync(fromEnv)
      ? { path: fromEnv }
      : { reason: `INSEQ_CHROMIUM is ${JSON.stringify(fromEnv)}, but no file is there; point it at a Chromium binary or unset it.` };
  }
  if (existsSync(systemPath)) return { path: systemPath };
  return {
    reason:
      `No Chromium at ${systemPath} and INSEQ_CHROMIUM is unset. Install Debian's browser ` +
      `(apt-get install chromium; .ci/run does this) or set INSEQ_CHROMIUM to a Chromium binary.`,
  };
}

/**
 * Why browser tests should be skipped here, or `undefined` when they run. A missing Chromium
 * skips them locally but not under `CI`, where {@link launchChromium} then fails the test with
 * the install hint: CI installs Chromium, so a skip there would hide a broken setup.
 */
export function browserTestSkipReason(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const found = findChromium(env);
  return found.path !== undefined || (env.CI ?? '') !== '' ? undefined : found.reason;
}
