export {
  createTfjsBackendLoader,
  type CreateTfjsBackendLoaderOptions,
  type TfjsBackendLoader,
  tfjsBackendLoader,
} from './tfjs-backend-loader';
export { loadTfjsBackend, type LoadTfjsBackendOptions } from './load-tfjs-backend';
export { initTfjs } from './init-tfjs';
export { type TfjsDevice, tfjsDevices } from './tfjs-device';
export { builtinArchitectures, type TfjsArchitecture, tfjsArchitectures } from './models/tfjs-architectures';
export type { CausalLmPass, CausalLmResult, LayerTap, TfjsCausalLm } from './models/tfjs-causal-lm';
export { createGpt2Model } from './models/decoder-only/gpt2/create-gpt2-model';
export { createLlamaModel } from './models/decoder-only/llama/create-llama-model';
export { parseLlamaConfig } from './models/decoder-only/llama/llama-settings';
export { parseGpt2Config } from './models/decoder-only/gpt2/parse-gpt2-config';
export {
  readSafetensors,
  type ReadSafetensorsOptions,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './safetensors/read-safetensors';
export { planWasmMemory, WASM_MEMORY_LIMIT_BYTES, type WasmMemoryPlan } from './wasm-memory-budget';
