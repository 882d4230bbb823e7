import { ProtobufWriter } from '@inseq/core';
import { ONNX_DTYPE, type IrInitializer } from './onnx-ir';
import { sizeOf } from './ir-tensor-values';

/** Tensors of at least this many bytes go to the sink's data files; smaller ones stay inline. */
const EXTERNAL_FROM_BYTES = 1024;
/** Largest data file (bytes), well below what one ArrayBuffer may hold. */
const FILE_BYTES = 2 ** 30;

/** A data file of new float32 initializers: the `externalData` entry ONNX Runtime sessions take. */
export interface Float32DataFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/**
 * Where the float32 upcast puts the tensors it creates (widened float16 weights, dequantized
 * weights): small ones as inline initializers, large ones as initializers that point to in-memory
 * data files (`externalData` of the sessions), so a model of float16 or 8-bit weights whose
 * float32 values pass protobuf's 2 GiB limit still encodes. Values are computed when the files are
 * made ({@link files}), or never when the sink is made with `values: false` (the load-time probe
 * only builds the graph).
 */
export class Float32TensorSink {
  readonly #values: boolean;
  readonly #prefix: string;
  readonly #pending: { file: number; offset: number; size: number; fill: (out: Float32Array) => void }[] = [];
  readonly #fileBytes: number[] = [];
  /** How many tensors the sink made. */
  count = 0;

  constructor(options: { readonly values: boolean; readonly prefix?: string }) {
    this.#values = options.values;
    this.#prefix = options.prefix ?? 'inseq-float32';
  }

  /** A float32 initializer `name` of `dims` whose values `fill` writes (row-major) into the array it is given. */
  add(name: string, dims: readonly number[], fill: (out: Float32Array) => void): IrInitializer {
    this.count++;
    const size = sizeOf(dims);
    const bytes = size * 4;
    if (bytes < EXTERNAL_FROM_BYTES) {
      const out = new Float32Array(size);
      // Without values (probe), zeros stand in: the graph is built, never run.
      if (this.#values) fill(out);
      return { name, tensor: { name, dataType: ONNX_DTYPE.float, dims: [...dims], raw: new Uint8Array(out.buffer) } };
    }
    let file = this.#fileBytes.length - 1;
    if (file < 0 || this.#fileBytes[file] + bytes > FILE_BYTES) {
      this.#fileBytes.push(0);
      file++;
    }
    const offset = this.#fileBytes[file];
    this.#fileBytes[file] += bytes;
    this.#pending.push({ file, offset, size, fill });
    const path = this.#path(file);
    const writer = new ProtobufWriter();
    writer.packedVarints(1, dims).int(2, ONNX_DTYPE.float).string(8, name);
    for (const [key, value] of [['location', path], ['offset', String(offset)], ['length', String(bytes)]]) {
      writer.message(13, (entry) => entry.string(1, key).string(2, value));
    }
    writer.int(14, 1); // data_location = EXTERNAL
    return { name, proto: writer.finish() };
  }

  #path(file: number): string {
    return `${this.#prefix}-${file}.data`;
  }

  /** The data files with every large tensor's values; `[]` for a sink made with `values: false`. */
  files(): Float32DataFile[] {
    if (!this.#values) return [];
    const files = this.#fileBytes.map((bytes, file) => ({ path: this.#path(file), data: new Uint8Array(bytes) }));
    for (const { file, offset, size, fill } of this.#pending) fill(new Float32Array(files[file].data.buffer, offset, size));
    this.#pending.length = 0;
    return files;
  }
}
