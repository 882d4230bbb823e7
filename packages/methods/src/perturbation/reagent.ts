import { defineMethod, defineOptions, type IntTensor, InvalidInputError, probability, type StepContext } from '@inseq/core';
import { jointIds, jointLayout, jointMask, splitAttributions, splitSides } from '../gradient/joint-inputs';
import { seededRandom } from '../gradient/seeded-random';
import { realPositions } from './real-positions';

const options = defineOptions({
  keep_top_n: { type: 'number', default: 5, integer: true, min: 0, description: 'Tokens kept (not replaced) per probe step; 0 uses keep_ratio.' },
  keep_ratio: { type: 'number', min: 0, max: 1, description: 'Share of tokens kept when keep_top_n is 0.' },
  invert_keep: { type: 'boolean', default: false, description: 'Replace the kept tokens instead of the others.' },
  stopping_condition_top_k: { type: 'number', default: 3, integer: true, min: 1, description: 'A probe stops once the target is within the model’s top k.' },
  replacing_ratio: { type: 'number', default: 0.3, min: 0, max: 1, description: 'Share of tokens replaced per probe round.' },
  max_probe_steps: { type: 'number', default: 3000, integer: true, min: 1, description: 'Most rounds a probe runs.' },
  num_probes: { type: 'number', default: 16, integer: true, min: 1, description: 'Independent random probes averaged.' },
  seed: { type: 'number', default: 42, integer: true, description: 'Seed of the probes (per row, independent of batching).' },
});

/** One probe: the running importance logits of one input row. */
interface Probe {
  readonly row: number;
  /** Padded positions of the row's real tokens. */
  readonly positions: readonly number[];
  readonly random: () => number;
  readonly logits: Float64Array;
  stopped: boolean;
}

const LOGIT_EPSILON = 1e-7;

function softmax(values: Float64Array): Float64Array {
  const max = Math.max(...values);
  const e = values.map((v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/**
 * ReAGent (Zhao & Shan 2024, "ReAGent: A Model-agnostic Feature Attribution Method for
 * Generative Language Models", arXiv:2402.00794), following Inseq's `reagent`
 * (`inseq/attr/feat/ops/reagent.py` and `reagent_core`, after the authors' code). For each input,
 * `num_probes` probes start from random importance logits; each round replaces every token with
 * probability `replacing_ratio` by a random vocabulary token, measures Δ = p(target | x) −
 * p(target | x̃), and adds logit(±Δ/2 + ½) to each token's logit (+Δ for replaced tokens, −Δ for
 * kept ones). A probe stops once keeping only its `keep_top_n` most important tokens (or
 * ⌈`keep_ratio` · length⌉ when `keep_top_n` is 0; `invert_keep` replaces those instead) and
 * replacing the rest still puts the target among the `stopping_condition_top_k` predictions, or
 * after `max_probe_steps` rounds. The attribution is the mean softmax importance over the probes
 * that stopped, `[batch, sequenceLength]` (0 on padding; each row sums to 1).
 *
 * Differs from Inseq, honestly: replacement tokens are drawn uniformly from the vocabulary minus
 * special tokens (the paper's "uniform" sampler) instead of Inseq's POS-tag sampler (NLTK) or
 * the paper's RoBERTa sampler; when no probe stops within `max_probe_steps` the mean is over all
 * probes (Inseq divides by zero); the logit argument is clamped to [1e-7, 1 − 1e-7]; randomness
 * comes from an in-house seeded generator per row (`seed`), so runs repeat exactly and a row
 * does not depend on the rest of the batch. Like Inseq, the probability of the target is
 * explained whatever the attributed function. Cost: two `forward` calls per round over the
 * probes still running. Encoder-decoder steps replace and credit source tokens as well (one
 * importance distribution over a row's source and target tokens) and also return
 * `sourceAttributions` `[batch, sourceLength]`.
 *
 * Options (defaults as Inseq): `keep_top_n` 5, `keep_ratio` (none), `invert_keep` false,
 * `stopping_condition_top_k` 3, `replacing_ratio` 0.3, `max_probe_steps` 3000, `num_probes` 16,
 * and `seed` (@defaultValue 42).
 */
export const reagent = defineMethod({
  name: 'reagent',
  paper: 'Zhao & Shan (2024), ReAGent: A Model-agnostic Feature Attribution Method for Generative Language Models, arXiv:2402.00794',
  family: 'perturbation',
  requires: [],
  // Replaces ids (by the model's own proposals), never embeddings.
  embeddings: 'never',
  description: 'Recursive attribution generator: importance from probability drops under random token replacement.',
  options,
  checkOptions(parsed) {
    if (parsed.keep_top_n === 0 && parsed.keep_ratio === undefined) {
      throw new InvalidInputError("reagent option 'keep_top_n' is 0, so 'keep_ratio' must be given (a number in [0, 1]).", { code: 'INVALID_ARGUMENT' });
    }
  },
  async attributeStep(ctx) {
    const opts = ctx.options;
    // With a source, positions are joint (target then source): source tokens are replaced and credited too.
    const { batch, positions: length } = jointLayout(ctx);
    const mask = jointMask(ctx);
    const inputIds = jointIds(ctx).data;
    const special = new Set(Object.values(ctx.specialTokenIds).filter((id): id is number => id !== undefined));
    const available = Int32Array.from({ length: ctx.backend.config.vocabSize }, (_, id) => id).filter((id) => !special.has(id));
    // The source by ids only: ids-only backends (ONNX Runtime) refuse embeddings.
    const encoder = ctx.encoder && { inputIds: ctx.encoder.inputIds, attentionMask: ctx.encoder.attentionMask };
    const { logits } = await ctx.backend.forward({ inputIds: ctx.inputIds, attentionMask: ctx.attentionMask, ...(encoder && { encoder }) });
    const original = await probability.compute({ logits, targetIds: ctx.targetIds, options: { logprob: false } });

    const probes: Probe[] = [];
    for (let b = 0; b < batch; b++) {
      const positions = realPositions(mask, b);
      const ids = positions.map((s) => inputIds[b * length + s]);
      const random = seededRandom(opts.seed, [...ids, ctx.targetIds[b]]).uniform;
      for (let p = 0; p < opts.num_probes; p++) {
        probes.push({ row: b, positions, random, logits: Float64Array.from(positions, () => random()), stopped: false });
      }
    }
    const sample = (probe: Probe) => available[Math.floor(probe.random() * available.length)];

    for (let round = 0; round < opts.max_probe_steps; round++) {
      const running = probes.filter((probe) => !probe.stopped);
      if (running.length === 0) break;
      // Update: replace tokens at random, credit each by the drop in the target's probability.
      const replaced = running.map((probe) => probe.positions.map(() => probe.random() < opts.replacing_ratio));
      const updated = await targetProbabilities(ctx, running, (probe, i, n) => (replaced[i][n] ? sample(probe) : undefined));
      running.forEach((probe, i) => {
        const delta = original[probe.row] - updated.probabilities[i];
        probe.positions.forEach((_, n) => {
          const score = Math.min(Math.max((replaced[i][n] ? delta : -delta) * 0.5 + 0.5, LOGIT_EPSILON), 1 - LOGIT_EPSILON);
          probe.logits[n] += Math.log(score / (1 - score));
        });
      });
      // Stopping condition: keep the top tokens, replace the rest, is the target still in the top k?
      const kept = running.map((probe) => topPositions(softmax(probe.logits), keepCount(opts, probe.positions.length)));
      const invert = opts.invert_keep === true;
      const check = await targetProbabilities(ctx, running, (probe, i, n) => (kept[i].has(n) === invert ? sample(probe) : undefined));
      running.forEach((probe, i) => {
        if (check.ranks[i] < opts.stopping_condition_top_k) probe.stopped = true;
      });
    }

    const attributions = new Float32Array(batch * length);
    for (let b = 0; b < batch; b++) {
      const own = probes.filter((probe) => probe.row === b);
      const counted = own.some((probe) => probe.stopped) ? own.filter((probe) => probe.stopped) : own;
      for (const probe of counted) {
        const importance = softmax(probe.logits);
        probe.positions.forEach((s, n) => {
          attributions[b * length + s] += importance[n] / counted.length;
        });
      }
    }
    return splitAttributions(ctx, attributions);
  },
});

function keepCount(opts: { readonly keep_top_n: number; readonly keep_ratio?: number }, length: number): number {
  const topN = opts.keep_top_n;
  return topN > 0 ? topN : Math.ceil((opts.keep_ratio ?? 0) * length);
}

/** Indices of the `count` largest values (ties to the earlier index). */
function topPositions(values: Float64Array, count: number): Set<number> {
  const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
  return new Set(order.slice(0, count));
}

/**
 * One forward pass over the probes' rows with some tokens replaced (`replacement` returns the new
 * id of real token n, or undefined to keep it): the target's probability and rank per probe.
 */
async function targetProbabilities(
  ctx: StepContext,
  probes: readonly Probe[],
  replacement: (probe: Probe, index: number, n: number) => number | undefined,
): Promise<{ probabilities: Float32Array; ranks: Int32Array }> {
  const layout = jointLayout(ctx);
  const length = layout.positions;
  const source = jointIds(ctx).data;
  const sourceMask = jointMask(ctx).data;
  const ids = new Int32Array(probes.length * length);
  const mask = new Int32Array(probes.length * length);
  probes.forEach((probe, i) => {
    ids.set(source.subarray(probe.row * length, (probe.row + 1) * length), i * length);
    mask.set(sourceMask.subarray(probe.row * length, (probe.row + 1) * length), i * length);
    probe.positions.forEach((s, n) => {
      const id = replacement(probe, i, n);
      if (id !== undefined) ids[i * length + s] = id;
    });
  });
  // Joint rows back to the decoder's and (encoder-decoder) the encoder's inputs.
  const rows = probes.length;
  const idSides = splitSides(layout, ids, 1, rows);
  const maskSides = splitSides(layout, mask, 1, rows);
  const inputIds: IntTensor = { data: idSides.target, shape: [rows, layout.length] };
  const { logits } = await ctx.backend.forward({
    inputIds,
    attentionMask: { data: maskSides.target, shape: [rows, layout.length] },
    ...(ctx.encoder && {
      encoder: {
        inputIds: { data: idSides.source, shape: [rows, layout.sourceLength] },
        attentionMask: { data: maskSides.source, shape: [rows, layout.sourceLength] },
      },
    }),
  });
  const targetIds = Int32Array.from(probes, (probe) => ctx.targetIds[probe.row]);
  const probabilities = await probability.compute({ logits, targetIds, options: { logprob: false } });
  const vocab = logits.shape[1];
  const ranks = Int32Array.from(probes, (_, i) => {
    const row = logits.data.subarray(i * vocab, (i + 1) * vocab);
    const value = row[targetIds[i]];
    let above = 0;
    for (let v = 0; v < vocab; v++) if (row[v] > value) above++;
    return above;
  });
  return { probabilities, ranks };
}
