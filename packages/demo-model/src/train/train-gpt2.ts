import * as tf from '@tensorflow/tfjs';
import { type TrainableGpt2, maskedCrossEntropy } from './trainable-gpt2';

/** The optimisation recipe. */
export interface TrainRecipe {
  readonly steps: number;
  readonly batchSize: number;
  /** Peak learning rate of Adam (β 0.9 / 0.98, ε 1e-8). */
  readonly learningRate: number;
  /** Steps of linear warm-up before the cosine decay to 10 % of the peak. */
  readonly warmupSteps: number;
  /** Gradients are rescaled to this global L2 norm when above it. */
  readonly clipNorm: number;
}

/** The learning rate at `step` (0-based): linear warm-up, then cosine decay to 10 % of the peak. */
export function learningRateAt(recipe: TrainRecipe, step: number): number {
  const { learningRate: peak, warmupSteps, steps } = recipe;
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  const progress = (step - warmupSteps) / Math.max(1, steps - warmupSteps);
  return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** One batch: ids `[batch, seq]` right-padded, the next token at every position, and which positions count. */
export interface TokenBatch {
  readonly ids: Int32Array;
  readonly labels: Int32Array;
  readonly mask: Float32Array;
  readonly batch: number;
  readonly seq: number;
}

/**
 * Packs tokenised sentences (each already ending with the end-of-text id) one per row, padded
 * with `padId` to `seq`; labels are the ids shifted by one, masked after the last real token.
 */
export function packBatch(sentences: readonly (readonly number[])[], seq: number, padId: number): TokenBatch {
  const batch = sentences.length;
  const ids = new Int32Array(batch * seq).fill(padId);
  const labels = new Int32Array(batch * seq).fill(padId);
  const mask = new Float32Array(batch * seq);
  sentences.forEach((tokens, row) => {
    if (tokens.length > seq) throw new Error(`A training sentence has ${tokens.length} tokens, more than the sequence length ${seq}.`);
    for (let i = 0; i < tokens.length; i++) ids[row * seq + i] = tokens[i];
    for (let i = 0; i + 1 < tokens.length; i++) {
      labels[row * seq + i] = tokens[i + 1];
      mask[row * seq + i] = 1;
    }
  });
  return { ids, labels, mask, batch, seq };
}

/** What {@link trainGpt2} reports after each step. */
export interface TrainStep {
  readonly step: number;
  readonly loss: number;
  readonly learningRate: number;
}

/**
 * Trains `model` in place with Adam on batches from `nextBatch`, one step per batch; memory stays
 * flat (every step's tensors are disposed). Deterministic: same model, recipe and batches give the
 * same weights, bit for bit, on the same tfjs backend.
 *
 * @returns the loss of every step.
 */
export async function trainGpt2(
  model: TrainableGpt2,
  recipe: TrainRecipe,
  nextBatch: () => TokenBatch,
  onStep?: (step: TrainStep) => void,
): Promise<number[]> {
  const optimizer = tf.train.adam(recipe.learningRate, 0.9, 0.98, 1e-8);
  const variables = [...model.variables.values()];
  const losses: number[] = [];
  try {
    for (let step = 0; step < recipe.steps; step++) {
      const learningRate = learningRateAt(recipe, step);
      // tfjs' Adam reads its rate on every update; it has no schedule of its own.
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      const { ids, labels, mask, batch, seq } = nextBatch();
      const lossValue = tf.tidy(() => {
        const idsTensor = tf.tensor2d(ids, [batch, seq], 'int32');
        const labelsTensor = tf.tensor1d(labels, 'int32');
        const maskTensor = tf.tensor1d(mask, 'float32');
        const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(model.logits(idsTensor), labelsTensor, maskTensor), variables);
        const names = Object.keys(grads);
        const norm = tf.sqrt(tf.addN(names.map((name) => tf.sum(tf.square(grads[name]))))).dataSync()[0];
        const scale = norm > recipe.clipNorm ? recipe.clipNorm / norm : 1;
        optimizer.applyGradients(Object.fromEntries(names.map((name) => [name, scale === 1 ? grads[name] : tf.mul(grads[name], scale)])) as Parameters<typeof optimizer.applyGradients>[0]);
        return value.dataSync()[0];
      });
      if (!Number.isFinite(lossValue)) throw new Error(`Training diverged: the loss is ${lossValue} at step ${step}.`);
      losses.push(lossValue);
      onStep?.({ step, loss: lossValue, learningRate });
      // Let the event loop breathe (progress output, signals) without changing any number.
      if (step % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }
  return losses;
}
