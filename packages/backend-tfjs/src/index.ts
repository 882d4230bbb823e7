export { tfjsBackendLoader } from './tfjs-backend-loader';
export { loadTfjsBackend, type LoadTfjsBackendOptions } from './load-tfjs-backend';
export { initTfjs } from './init-tfjs';
export { type TfjsDevice, tfjsDevices } from './tfjs-device';
export { supportedModelTypes } from './models/supported-models';
export { parseGpt2Config } from './models/gpt2/parse-gpt2-config';
export {
  readSafetensors,
  type ReadSafetensorsOptions,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './safetensors/read-safetensors';
