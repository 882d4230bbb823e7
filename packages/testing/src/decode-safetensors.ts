import { fromBfloat16Bits } from './bfloat16';
import { fromFloat16Bits } from './float16';
import type { SafetensorsDtype } from './safetensors-dtype';

/** A tensor read back from safetensors bytes, widened to float32. */
export interface DecodedSafetensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/**
 * Reads safetensors bytes written by {@link encodeSafetensors} (F32/F16/BF16 only). It exists to
 * test the writer from the reader's side; backends have their own reader.
 */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, DecodedSafetensor>;
  metadata: Record<string, string>;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<
    string,
    { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  const dataStart = 8 + headerLength;
  const tensors: Record<string, DecodedSafetensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as {
      dtype: SafetensorsDtype;
      shape: number[];
      data_offsets: [number, number];
    };
    const width = dtype === 'F32' ? 4 : 2;
    const data = new Float32Array((offsets[1] - offsets[0]) / width);
    for (let i = 0; i < data.length; i++) {
      const position = dataStart + offsets[0] + i * width;
      if (dtype === 'F32') data[i] = view.getFloat32(position, true);
      else if (dtype === 'F16') data[i] = fromFloat16Bits(view.getUint16(position, true));
      else if (dtype === 'BF16') data[i] = fromBfloat16Bits(view.getUint16(position, true));
      else throw new Error(`decodeSafetensors reads F32, F16 and BF16 only; '${name}' is ${dtype}.`);
    }
    tensors[name] = { dtype, shape, data };
  }
  return { tensors, metadata };
}
