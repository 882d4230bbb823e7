export { createOrtBackendLoader, type CreateOrtBackendLoaderOptions, ortBackendLoader } from './ort-backend-loader';
export { loadOrtBackend, type LoadOrtBackendOptions, type OrtDtype, ortDtypeFiles } from './load-ort-backend';
export { ortDevices, type OrtDevice, type OrtRuntimeName } from './ort-runtime';
export { ortCapabilities } from './ort-capabilities';
export {
  ortArchitectureFor,
  ortArchitectures,
  type OrtArchitecture,
  parseOrtConfig,
  parseOrtDecoderOnlyConfig,
  parseOrtEncoderDecoderConfig,
} from './ort-architectures';
export { hfLayerNames } from './hf-layer-names';
export { decodeOnnxModel } from './autodiff/decode-onnx-model';
export { encodeOnnxModel } from './autodiff/encode-onnx-model';
export { type Float32Upcast, type UpcastOptions, upcastToFloat32 } from './autodiff/upcast-to-float32';
export type { Float32DataFile } from './autodiff/float32-tensor-sink';
export {
  type IrAttribute,
  type IrGraph,
  type IrInitializer,
  type IrModel,
  type IrNode,
  type IrTensor,
  type IrValueInfo,
  ONNX_DTYPE,
} from './autodiff/onnx-ir';
