/** A model folder as the generators return it: file name → bytes. */
export type ModelFolder = Record<string, Uint8Array>;
