export { ortBackendLoader } from './ort-backend-loader';
export { loadOrtBackend, type LoadOrtBackendOptions } from './load-ort-backend';
export { ortCapabilities } from './create-ort-backend';
export { parseOrtConfig } from './parse-ort-config';
