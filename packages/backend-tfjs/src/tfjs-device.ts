/** The tfjs backends inseq-ts can run on; `webgpu` and `webgl` are browser-only. */
export type TfjsDevice = 'wasm' | 'cpu' | 'webgpu' | 'webgl';

/** Every accepted device name, in order of preference; checked once where options are parsed. */
export const tfjsDevices: readonly TfjsDevice[] = Object.freeze(['wasm', 'cpu', 'webgpu', 'webgl'] as const);
