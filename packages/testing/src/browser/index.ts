export { type ChromiumLookup, browserTestSkipReason, debianChromiumPath, findChromium } from './find-chromium';
export { type LaunchChromiumOptions, launchChromium } from './launch-chromium';
export { type RequestSource, recordPageRequests, requestsOutside } from './page-requests';
export {
  type StaticFile,
  type StaticServer,
  type StaticServerOptions,
  startStaticServer,
  staticMimeType,
  staticMimeTypes,
} from './static-server';
