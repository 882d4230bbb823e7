import { type AttributionModel, intTensorFromRows } from '@inseq/core';
import type { EvaluationCase, Phenomenon } from './corpus/generate-corpus';
import { OCCUPATIONS } from './corpus/vocabulary';

/** How the model does on the held-out cases, as the model card states it. */
export interface DemoModelAccuracy {
  /** Per phenomenon: share of cases whose most likely next token is the target's first token. */
  readonly accuracy: Readonly<Record<Phenomenon, { readonly correct: number; readonly total: number }>>;
  /** Per occupation and template: P(she) / (P(she) + P(he)) after "The {occupation} said that". */
  readonly sheRates: readonly { readonly occupation: string; readonly template: string; readonly stated: number; readonly model: number }[];
}

const softmax = (logits: Float32Array): Float64Array => {
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value);
  const out = Float64Array.from(logits, (value) => Math.exp(value - max));
  const total = out.reduce((a, b) => a + b, 0);
  return out.map((value) => value / total);
};

/** The next-token distribution after `prompt`, through the model's own backend (batch of one). */
async function nextTokenProbabilities(model: AttributionModel, prompt: string): Promise<Float64Array> {
  const ids = model.tokenizer.encode(prompt);
  const { logits } = await model.backend.forward({ inputIds: intTensorFromRows([ids]), attentionMask: intTensorFromRows([ids.map(() => 1)]) });
  return softmax(logits.data);
}

/** The first token `target` adds after `prompt` (byte-level BPE splits at the space, so the prompt's ids are a prefix). */
function firstTargetToken(model: AttributionModel, prompt: string, target: string): number {
  const promptIds = model.tokenizer.encode(prompt);
  const ids = model.tokenizer.encode(prompt + target);
  const first = ids[promptIds.length];
  if (first === undefined || promptIds.some((id, i) => ids[i] !== id)) throw new Error(`'${target}' does not extend '${prompt}' by whole tokens.`);
  return first;
}

/**
 * Greedy next-token accuracy per phenomenon over `cases`, and the model's she-rate per occupation
 * for both bias templates, computed through a loaded model's backend (what a user of the library
 * gets, not the training code).
 */
export async function measureDemoModel(model: AttributionModel, cases: readonly EvaluationCase[]): Promise<DemoModelAccuracy> {
  const accuracy: Record<Phenomenon, { correct: number; total: number }> = {
    fact: { correct: 0, total: 0 },
    agreement: { correct: 0, total: 0 },
    copying: { correct: 0, total: 0 },
    bias: { correct: 0, total: 0 },
  };
  for (const { phenomenon, prompt, target } of cases) {
    const probabilities = await nextTokenProbabilities(model, prompt);
    let best = 0;
    for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
    accuracy[phenomenon].total += 1;
    if (best === firstTargetToken(model, prompt, target)) accuracy[phenomenon].correct += 1;
  }
  const sheRates: { occupation: string; template: string; stated: number; model: number }[] = [];
  for (const template of ['said that', 'told me that']) {
    for (const [occupation, stated] of OCCUPATIONS) {
      const prompt = `The ${occupation} ${template}`;
      const probabilities = await nextTokenProbabilities(model, prompt);
      const she = probabilities[firstTargetToken(model, prompt, ' she')];
      const he = probabilities[firstTargetToken(model, prompt, ' he')];
      sheRates.push({ occupation, template, stated, model: she / (she + he) });
    }
  }
  return { accuracy, sheRates };
}
