export { hubModelFiles, type HubModelFiles } from './hub-model-files';
export { DEFAULT_HUB_ENDPOINT, type HubOptions, type HubProgress } from './hub-options';
export { parseHubId, type HubId } from './parse-hub-id';
export type { HubEnvironment } from './hub-environment';
export type { HubDownloadTarget, HubFileStore } from './hub-file-store';
export { readHubEnvironment } from '#hub-platform';
export { BROWSER_CACHE_NAME } from './cache-api-store';
