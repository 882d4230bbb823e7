/**
 * Anything that emits Playwright's `request` event: a `Page`, or a `BrowserContext` (all its pages
 * and workers). Typed structurally, so these types never name playwright-core.
 */
export interface RequestSource {
  on(event: 'request', listener: (request: { url(): string }) => void): unknown;
}

/**
 * Records the URL of every request `source` makes from now on (documents, scripts, fetches,
 * wasm), so a test can check with {@link requestsOutside} that nothing left the test server.
 */
export function recordPageRequests(source: RequestSource): readonly string[] {
  const urls: string[] = [];
  source.on('request', (request) => urls.push(request.url()));
  return urls;
}

/**
 * The URLs of `urls` that are not on `origin`. `data:` URLs never reach a network and count as
 * inside; `blob:` URLs carry the origin that made them.
 */
export function requestsOutside(urls: readonly string[], origin: string): string[] {
  return urls.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
}
