import { createRng } from '../create-rng';
import { encodeSafetensors } from '../encode-safetensors';
import type { NamedWeight } from '../named-weight';
import { type SafetensorsDtype, roundToDtype } from '../safetensors-dtype';

/** How a generated tensor is initialised: `std` of the normal noise and the mean it is added to. */
export type WeightInit = 'matrix' | 'bias' | 'norm' | 'zeros';

/** Collects the weights of a generated encoder-decoder model in one seeded stream. */
export interface Seq2SeqWeightWriter {
  /** Adds `name` with `shape`, drawn in call order from the seeded stream, rounded to the storage dtype. */
  add(name: string, shape: number[], init: WeightInit): Float32Array;
  readonly weights: Record<string, NamedWeight>;
}

/**
 * Seeded weights for the tiny encoder-decoder generators: matrices `N(0, initStd²)`, biases
 * `N(0, (initStd/2)²)`, norm scales `1 + N(0, (initStd/2)²)`, each rounded to `dtype` as stored.
 */
export function createSeq2SeqWeightWriter(seed: number, initStd: number, dtype: SafetensorsDtype): Seq2SeqWeightWriter {
  const rng = createRng(seed);
  const weights: Record<string, NamedWeight> = {};
  const add = (name: string, shape: number[], init: WeightInit): Float32Array => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (init !== 'zeros') {
      for (let i = 0; i < data.length; i++) {
        const noise = rng.normal();
        if (init === 'matrix') data[i] = initStd * noise;
        else if (init === 'bias') data[i] = (initStd / 2) * noise;
        else data[i] = 1 + (initStd / 2) * noise;
      }
    }
    const stored = roundToDtype(data, dtype);
    weights[name] = { shape, data: stored };
    return stored;
  };
  return { add, weights };
}

const textEncoder = new TextEncoder();

/** A JSON file as `save_pretrained` writes it (two-space indent, trailing newline). */
export const jsonFile = (value: unknown): Uint8Array => textEncoder.encode(`${JSON.stringify(value, null, 2)}\n`);

/** `model.safetensors` of `weights`, every tensor stored in `dtype`. */
export function encodeWeights(weights: Record<string, NamedWeight>, dtype: SafetensorsDtype): Uint8Array {
  return encodeSafetensors(Object.fromEntries(Object.entries(weights).map(([name, { shape, data }]) => [name, { dtype, shape, data }])));
}

/** `torch_dtype` of config.json for a storage dtype. */
export const torchDtypeName: Readonly<Record<SafetensorsDtype, string>> = Object.freeze({ F32: 'float32', F16: 'float16', BF16: 'bfloat16' });
