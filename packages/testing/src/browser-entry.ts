/**
 * `@inseq/testing/browser`: `launchChromium`, typed with playwright-core (an optional peer
 * dependency, loaded only inside it), and, for one import, the other browser-test helpers (also in
 * the main entry).
 */
export {
  type ChromiumLookup,
  type LaunchChromiumOptions,
  type RequestSource,
  type StaticFile,
  type StaticServer,
  type StaticServerOptions,
  browserTestSkipReason,
  debianChromiumPath,
  findChromium,
  launchChromium,
  recordPageRequests,
  requestsOutside,
  startStaticServer,
  staticMimeType,
  staticMimeTypes,
} from './browser/index';
