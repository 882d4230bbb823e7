import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type ExternalPlacement, type OnnxExternalDataOptions, encodeModel, rawData } from '../encode-onnx-model';
import type { OnnxModelSpec, OnnxTensorSpec } from '../onnx-model-spec';
import { float32LittleEndianBytes } from './write-safetensors-file';

const initializerBytes = (tensor: OnnxTensorSpec): Uint8Array =>
  tensor.dataType === 'float' && tensor.data instanceof Float32Array && tensor.data.length === tensor.dims.reduce((a, b) => a * b, 1)
    ? float32LittleEndianBytes(tensor.data)
    : rawData(tensor);

/**
 * Writes `model` to `path` as `onnx.save(..., save_as_external_data=True)` does, streaming: the
 * initializers of at least `sizeThreshold` bytes go one at a time into `<path>_data` (the name the
 * model records, e.g. `model.onnx_data`, each at an `alignment` multiple), the rest stay inline.
 * Same layout as {@link encodeOnnxModelWithExternalData}, without holding the whole data file in
 * memory, which a 0.5 B-parameter float32 model (2 GB, over protobuf's 2 GiB limit inline) needs.
 * Both files are written under `.partial` names and renamed at the end.
 */
export async function writeOnnxModelWithExternalData(model: OnnxModelSpec, path: string, options: OnnxExternalDataOptions = {}): Promise<void> {
  const threshold = options.sizeThreshold ?? 1024;
  const alignment = options.alignment ?? 4096;
  const location = `${basename(path)}_data`;
  const dataPath = `${path}_data`;
  await mkdir(dirname(path), { recursive: true });
  const placements = new Map<string, ExternalPlacement>();
  const file = await open(`${dataPath}.partial`, 'w');
  try {
    let size = 0;
    for (const tensor of model.initializers) {
      const bytes = initializerBytes(tensor);
      if (bytes.length < threshold) continue;
      const offset = Math.ceil(size / alignment) * alignment;
      placements.set(tensor.name, { location, offset, length: bytes.length });
      for (let start = 0; start < bytes.length; start += 1 << 30) {
        await file.write(bytes, start, Math.min(bytes.length - start, 1 << 30), offset + start);
      }
      size = offset + bytes.length;
    }
    await file.close();
    await writeFile(`${path}.partial`, encodeModel(model, placements));
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(`${dataPath}.partial`, { force: true });
    await rm(`${path}.partial`, { force: true });
    throw error;
  }
  await rename(`${dataPath}.partial`, dataPath);
  await rename(`${path}.partial`, path);
}
