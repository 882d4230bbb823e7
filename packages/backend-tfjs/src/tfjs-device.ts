/** The tfjs backends inseq-ts can run on; `webgpu` is browser-only. */
export type TfjsDevice = 'wasm' | 'cpu' | 'webgpu';

/** Every accepted device name, in order of preference; checked once where options are parsed. */
export const tfjsDevices: readonly TfjsDevice[] = Object.freeze(['wasm', 'cpu', 'webgpu'] as const);
