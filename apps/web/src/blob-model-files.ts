import { ModelLoadError, type ModelFiles } from 'inseq';

/** Picked or dropped files (paths relative to the model folder: `config.json`, `onnx/model.onnx`), read when asked for. */
export function blobModelFiles(files: Readonly<Record<string, Blob>>, location: string): ModelFiles {
  return {
    location,
    has: async (name) => Object.hasOwn(files, name),
    read: async (name) => {
      if (!Object.hasOwn(files, name)) {
        throw new ModelLoadError(`${location} has no file '${name}'. Pick the model folder itself (the one holding config.json).`);
      }
      return new Uint8Array(await files[name].arrayBuffer());
    },
  };
}
