import { createRng } from '@inseq/testing';
import * as tf from '@tensorflow/tfjs';

/** The shape of the GPT-2 being trained (the `config.json` fields that matter). */
export interface Gpt2Shape {
  readonly vocabSize: number;
  readonly positions: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  /** `layer_norm_epsilon`. */
  readonly epsilon: number;
}

/** A GPT-2 whose every weight is a tfjs variable, by Hugging Face name (`transformer.h.0.attn.c_attn.weight`). */
export interface TrainableGpt2 {
  readonly shape: Gpt2Shape;
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Logits `[batch · seq, vocab]` of a right-padded batch of ids `[batch, seq]` (causal, so padding after the text changes nothing before it). */
  logits(ids: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

/**
 * GPT-2 (`GPT2LMHeadModel`, `gelu_new`, tied LM head, no dropout) written directly in
 * differentiable tfjs ops, for training. It is independent of `@inseq/backend-tfjs`'s inference
 * model (whose custom gradients give no weight gradients); the tests check that both compute the
 * same logits from the same weights. Initialised as Hugging Face does: normal(0, 0.02) weights,
 * with the residual projections (`attn.c_proj`, `mlp.c_proj`) scaled by `1/sqrt(2 · layers)`,
 * zero biases, unit LayerNorm weights; the draws come from a seeded generator, so equal seeds
 * give equal weights on every machine.
 */
export function createTrainableGpt2(shape: Gpt2Shape, seed: number): TrainableGpt2 {
  const rng = createRng(seed);
  const { vocabSize, positions, hidden, layers, heads, epsilon } = shape;
  const variables = new Map<string, tf.Variable>();
  const normal = (name: string, dims: number[], std: number) => {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std;
    variables.set(name, tf.variable(tf.tensor(values, dims), true));
  };
  // tfjs names variables globally; theirs stay unique so that several models can live side by side.
  const constant = (name: string, dims: number[], value: number) => variables.set(name, tf.variable(tf.fill(dims, value), true));
  const residualStd = 0.02 / Math.sqrt(2 * layers);
  normal('transformer.wte.weight', [vocabSize, hidden], 0.02);
  normal('transformer.wpe.weight', [positions, hidden], 0.01);
  for (let i = 0; i < layers; i++) {
    const p = `transformer.h.${i}.`;
    constant(`${p}ln_1.weight`, [hidden], 1);
    constant(`${p}ln_1.bias`, [hidden], 0);
    normal(`${p}attn.c_attn.weight`, [hidden, 3 * hidden], 0.02);
    constant(`${p}attn.c_attn.bias`, [3 * hidden], 0);
    normal(`${p}attn.c_proj.weight`, [hidden, hidden], residualStd);
    constant(`${p}attn.c_proj.bias`, [hidden], 0);
    constant(`${p}ln_2.weight`, [hidden], 1);
    constant(`${p}ln_2.bias`, [hidden], 0);
    normal(`${p}mlp.c_fc.weight`, [hidden, 4 * hidden], 0.02);
    constant(`${p}mlp.c_fc.bias`, [4 * hidden], 0);
    normal(`${p}mlp.c_proj.weight`, [4 * hidden, hidden], residualStd);
    constant(`${p}mlp.c_proj.bias`, [hidden], 0);
  }
  constant('transformer.ln_f.weight', [hidden], 1);
  constant('transformer.ln_f.bias', [hidden], 0);

  // biome-ignore lint/suspicious/noExplicitAny: every weight is 1-D or 2-D; the callers know which.
  const w = (name: string): any => {
    const found = variables.get(name);
    if (!found) throw new Error(`no weight ${name}`);
    return found;
  };
  const layerNorm = (x: tf.Tensor2D, prefix: string): tf.Tensor2D => layerNormOp(x, w(`${prefix}.weight`), w(`${prefix}.bias`), epsilon);
  const dense = (x: tf.Tensor2D, prefix: string): tf.Tensor2D => tf.add(matMul(x, w(`${prefix}.weight`)), w(`${prefix}.bias`));

  function logits(ids: tf.Tensor2D): tf.Tensor2D {
    const [batch, seq] = ids.shape;
    const headSize = hidden / heads;
    const rows = batch * seq;
    // One-hot products instead of gather: their gradient is a matMul, which every backend has.
    const tokens = matMul(tf.cast(tf.oneHot(tf.reshape(ids, [rows]), vocabSize), 'float32') as tf.Tensor2D, w('transformer.wte.weight'));
    const positionRows = tf.tile(tf.slice(w('transformer.wpe.weight'), [0, 0], [seq, hidden]), [batch, 1]);
    let h = tf.add(tokens, positionRows) as tf.Tensor2D;
    const causal = tf.tensor4d(
      Array.from({ length: seq * seq }, (_, k) => (k % seq > Math.floor(k / seq) ? -1e9 : 0)),
      [1, 1, seq, seq],
    );
    const split = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [batch, seq, heads, headSize]), [0, 2, 1, 3]) as tf.Tensor4D;
    for (let i = 0; i < layers; i++) {
      const p = `transformer.h.${i}.`;
      const qkv = dense(layerNorm(h, `${p}ln_1`), `${p}attn.c_attn`);
      const [q, k, v] = tf.split(qkv, 3, 1).map((t) => split(t as tf.Tensor2D));
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headSize)), causal);
      const weighted = tf.matMul(tf.softmax(scores), v);
      const merged = tf.reshape(tf.transpose(weighted, [0, 2, 1, 3]), [rows, hidden]) as tf.Tensor2D;
      h = tf.add(h, dense(merged, `${p}attn.c_proj`));
      const inner = geluNew(dense(layerNorm(h, `${p}ln_2`), `${p}mlp.c_fc`));
      h = tf.add(h, dense(inner, `${p}mlp.c_proj`));
    }
    return matMul(layerNorm(h, 'transformer.ln_f'), w('transformer.wte.weight'), true);
  }

  return {
    shape,
    variables,
    logits,
    dispose() {
      for (const variable of variables.values()) variable.dispose();
    },
  };
}

/**
 * Mean next-token cross-entropy over the positions `mask` marks (1 where `labels` holds a real
 * next token, 0 on padding).
 *
 * @param logits - `[rows, vocab]`.
 * @param labels - `[rows]` int32.
 * @param mask - `[rows]` float32.
 */
export function maskedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  const vocab = logits.shape[1];
  const picked = tf.sum(tf.mul(logits, tf.oneHot(labels, vocab)), 1);
  const losses = tf.sub(tf.logSumExp(logits, 1), picked);
  return tf.div(tf.sum(tf.mul(losses, mask)), tf.maximum(tf.sum(mask), 1));
}

/**
 * `a @ b` (or `a @ bᵀ`) with the gradient written as plain products of explicitly transposed
 * operands: tfjs-wasm's matMul is fast (XNNPACK) only without transpose flags, and autodiff of
 * `tf.matMul` sets them (`dA = dC @ Bᵀ`, `dB = Aᵀ @ dC`), which made the backward pass 10× the forward.
 */
function matMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeB = false): tf.Tensor2D {
  const product = tf.customGrad<tf.Tensor2D>((left, right, save) => {
    const [x, y] = [left as tf.Tensor2D, right as tf.Tensor2D];
    (save as tf.GradSaveFunc)([x, y]);
    return {
      value: tf.matMul<tf.Tensor2D>(x, transposeB ? tf.transpose(y) : y),
      gradFunc: (dy: tf.Tensor2D, [x, y]: tf.Tensor[]) => {
        const [x2, y2] = [x as tf.Tensor2D, y as tf.Tensor2D];
        const dx = tf.matMul(dy, transposeB ? y2 : tf.transpose(y2));
        const dw = transposeB ? tf.matMul(tf.transpose(dy), x2) : tf.matMul(tf.transpose(x2), dy);
        return [dx, dw];
      },
    };
  });
  return product(a, b) as tf.Tensor2D;
}

/** LayerNorm over the last axis (biased variance, as torch) with its gradient for input, weight and bias written out. */
function layerNormOp(x: tf.Tensor2D, weight: tf.Tensor1D, bias: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  const op = tf.customGrad((x, weight, bias, save) => {
    const [input, gamma, beta] = [x, weight, bias] as tf.Tensor[];
    const centered = tf.sub(input, tf.mean(input, -1, true));
    const inverseStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), epsilon));
    const normalized = tf.mul(centered, inverseStd);
    (save as tf.GradSaveFunc)([normalized, inverseStd, gamma]);
    return {
      value: tf.add(tf.mul(normalized, gamma), beta),
      // g = dy · γ: dx = (g − mean(g) − x̂ · mean(g · x̂)) / σ; dγ = Σ dy · x̂; dβ = Σ dy.
      gradFunc: (dy: tf.Tensor, [normalized, inverseStd, gamma]: tf.Tensor[]) => {
        const g = tf.mul(dy, gamma);
        const projection = tf.mul(normalized, tf.mean(tf.mul(g, normalized), -1, true));
        const dx = tf.mul(tf.sub(tf.sub(g, tf.mean(g, -1, true)), projection), inverseStd);
        return [dx, tf.sum(tf.mul(dy, normalized), 0), tf.sum(dy, 0)];
      },
    };
  });
  return op(x, weight, bias) as tf.Tensor2D;
}

/** `gelu_new` (GPT-2's tanh GELU) with its derivative written out. */
function geluNew(x: tf.Tensor2D): tf.Tensor2D {
  const c = Math.sqrt(2 / Math.PI);
  const op = tf.customGrad((x, save) => {
    const input = x as tf.Tensor;
    const inner = tf.mul(c, tf.add(input, tf.mul(0.044715, tf.mul(tf.square(input), input))));
    const t = tf.tanh(inner);
    (save as tf.GradSaveFunc)([input, t]);
    return {
      value: tf.mul(tf.mul(input, 0.5), tf.add(1, t)),
      // d/dx = ½(1 + t) + ½ x (1 − t²) c (1 + 3 · 0.044715 x²)
      gradFunc: (dy: tf.Tensor, [x, t]: tf.Tensor[]) => {
        const slope = tf.add(
          tf.mul(0.5, tf.add(1, t)),
          tf.mul(tf.mul(tf.mul(0.5, x), tf.sub(1, tf.square(t))), tf.mul(c, tf.add(1, tf.mul(3 * 0.044715, tf.square(x))))),
        );
        return tf.mul(dy, slope);
      },
    };
  });
  return op(x) as tf.Tensor2D;
}
