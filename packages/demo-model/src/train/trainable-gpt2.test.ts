import { initTfjs } from '@inseq/backend-tfjs';
import { encodeSafetensors, intTensorFromRows, memoryModelFiles } from '@inseq/core';
import { createRng, maxAbsDiff } from '@inseq/testing';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from 'inseq';
import { beforeAll, describe, expect, test } from 'vitest';
import { trainingSentences } from '../corpus/generate-corpus';
import { byteLevelBpeTokenizerFiles, trainByteLevelBpe } from '../tokenizer/train-byte-level-bpe';
import { gpt2Config } from '../train-demo-model';
import { type Gpt2Shape, createTrainableGpt2, maskedCrossEntropy } from './trainable-gpt2';

beforeAll(async () => {
  await initTfjs('wasm');
});

/** Every weight replaced by a seeded draw of visible size, so that no term of the forward pass hides behind a zero or a one. */
function randomize(model: ReturnType<typeof createTrainableGpt2>, seed: number) {
  const rng = createRng(seed);
  for (const variable of model.variables.values()) {
    const values = Float32Array.from({ length: variable.size }, () => rng.normal() * 0.3);
    variable.assign(tf.tensor(values, variable.shape));
  }
}

describe('createTrainableGpt2', () => {
  test("computes the logits @inseq/backend-tfjs computes from the same weights written as a Hugging Face folder", async () => {
    const stream = trainingSentences(1);
    const bpe = trainByteLevelBpe(Array.from({ length: 300 }, () => stream.next().value as string), { maxMerges: 60 });
    const tokenizer = byteLevelBpeTokenizerFiles(bpe, 32);
    const shape: Gpt2Shape = { vocabSize: tokenizer.vocabSize, positions: 32, hidden: 24, layers: 2, heads: 3, epsilon: 1e-5 };
    const model = createTrainableGpt2(shape, 5);
    randomize(model, 6);
    const tensors = Object.fromEntries(
      [...model.variables].map(([name, v]) => [name, { dtype: 'F32' as const, shape: v.shape, data: v.dataSync() as Float32Array }]),
    );
    const loaded = await loadModel(
      memoryModelFiles({
        'config.json': JSON.stringify(gpt2Config(shape, tokenizer.endOfTextId)),
        'tokenizer.json': JSON.stringify(tokenizer.tokenizerJson),
        'tokenizer_config.json': JSON.stringify(tokenizer.tokenizerConfig),
        'model.safetensors': encodeSafetensors(tensors, { format: 'pt' }),
      }),
      { backend: 'tfjs' },
    );
    const ids = loaded.tokenizer.encode('The keys to the cabinet are old.');
    const { logits: reference } = await loaded.backend.forward({
      inputIds: intTensorFromRows([ids]),
      attentionMask: intTensorFromRows([ids.map(() => 1)]),
      logitsAt: 'all',
    });
    const ours = tf.tidy(() => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32')).dataSync() as Float32Array);
    expect(reference.data.length).toBe(ours.length);
    expect(maxAbsDiff(reference.data, ours)).toBeLessThan(1e-4);
    model.dispose();
  });

  test('its hand-written gradients equal tfjs autodiff of the plain formulas', () => {
    const shape: Gpt2Shape = { vocabSize: 11, positions: 8, hidden: 8, layers: 1, heads: 2, epsilon: 1e-5 };
    const model = createTrainableGpt2(shape, 1);
    randomize(model, 2);
    const ids = tf.tensor2d([[1, 4, 2, 9, 3], [7, 7, 0, 5, 10]], [2, 5], 'int32');
    const labels = tf.tensor1d([4, 2, 9, 3, 0, 7, 0, 5, 10, 1], 'int32');
    const mask = tf.tensor1d([1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    const names = [...model.variables.keys()];
    const variables = [...model.variables.values()];
    const { grads } = tf.variableGrads(() => maskedCrossEntropy(model.logits(ids), labels, mask), variables);

    // The same network with plain tfjs ops (autodiff everywhere) as the independent reference.
    const w = (name: string) => model.variables.get(name) as tf.Tensor;
    const plain = () => {
      const ln = (x: tf.Tensor, p: string) => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, shape.epsilon))), w(`${p}.weight`)), w(`${p}.bias`));
      };
      const dense = (x: tf.Tensor, p: string) => tf.add(tf.matMul(x as tf.Tensor2D, w(`${p}.weight`) as tf.Tensor2D), w(`${p}.bias`));
      const [batch, seq] = ids.shape;
      let h = tf.add(tf.matMul(tf.cast(tf.oneHot(tf.reshape(ids, [-1]), 11), 'float32'), w('transformer.wte.weight') as tf.Tensor2D), tf.tile(tf.slice(w('transformer.wpe.weight'), [0, 0], [seq, 8]), [batch, 1]));
      const p = 'transformer.h.0.';
      const [q, k, v] = tf.split(dense(ln(h, `${p}ln_1`), `${p}attn.c_attn`), 3, 1).map((t) => tf.transpose(tf.reshape(t, [batch, seq, 2, 4]), [0, 2, 1, 3]));
      const causal = tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0);
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 0.5), tf.mul(tf.sub(1, causal), -1e9));
      const merged = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [batch * seq, 8]);
      h = tf.add(h, dense(merged, `${p}attn.c_proj`));
      const x = dense(ln(h, `${p}ln_2`), `${p}mlp.c_fc`);
      const gelu = tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
      h = tf.add(h, dense(gelu, `${p}mlp.c_proj`));
      const logits = tf.matMul(ln(h, 'transformer.ln_f') as tf.Tensor2D, w('transformer.wte.weight') as tf.Tensor2D, false, true);
      return maskedCrossEntropy(logits as tf.Tensor2D, labels, mask);
    };
    const reference = tf.variableGrads(plain, variables);
    for (const name of names) {
      const id = (model.variables.get(name) as tf.Variable).name;
      const scale = Math.max(1e-3, ...Array.from(reference.grads[id].dataSync(), Math.abs));
      expect(maxAbsDiff(grads[id].dataSync() as Float32Array, reference.grads[id].dataSync() as Float32Array) / scale, name).toBeLessThan(1e-4);
    }
    tf.dispose([ids, labels, mask, ...Object.values(grads), ...Object.values(reference.grads), reference.value]);
    model.dispose();
  });

  test('the loss gradient of one weight matches a central finite difference (float64 not needed at this size)', () => {
    const shape: Gpt2Shape = { vocabSize: 9, positions: 6, hidden: 4, layers: 1, heads: 1, epsilon: 1e-5 };
    const model = createTrainableGpt2(shape, 3);
    randomize(model, 4);
    const ids = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    const labels = tf.tensor1d([2, 3, 4, 8], 'int32');
    const mask = tf.ones([4]) as tf.Tensor1D;
    const loss = () => tf.tidy(() => maskedCrossEntropy(model.logits(ids), labels, mask).dataSync()[0]);
    const target = model.variables.get('transformer.h.0.mlp.c_fc.weight') as tf.Variable;
    const { grads } = tf.variableGrads(() => maskedCrossEntropy(model.logits(ids), labels, mask), [target]);
    const analytic = grads[target.name].dataSync();
    const values = target.dataSync().slice() as Float32Array;
    const eps = 1e-2;
    for (const index of [0, 5, 11]) {
      const at = (delta: number) => {
        const copy = values.slice();
        copy[index] += delta;
        target.assign(tf.tensor(copy, target.shape));
        return loss();
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      expect(analytic[index]).toBeCloseTo(numeric, 3);
    }
    model.dispose();
  });
});
