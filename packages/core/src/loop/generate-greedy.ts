import type { ModelBackend } from '../contracts/model-backend';
import { padLeft } from './pad-left';

/**
 * Greedy decoding (Hugging Face `do_sample=False, num_beams=1`) of a batch of prompts. The stop
 * tokens end a row and are not included in the output. Without a KV cache each new token re-runs
 * the whole prefix; fine for attribution-sized texts.
 */
export async function generateGreedy(
  backend: ModelBackend,
  prompts: readonly number[][],
  options: { maxNewTokens: number; stopIds: readonly number[]; padId: number },
): Promise<number[][]> {
  const sequences = prompts.map((prompt) => [...prompt]);
  const done = prompts.map(() => options.maxNewTokens <= 0);
  for (let step = 0; step < options.maxNewTokens && done.some((d) => !d); step++) {
    const active = sequences.map((_, i) => i).filter((i) => !done[i]);
    const batch = padLeft(
      active.map((i) => sequences[i]),
      options.padId,
    );
    const { logits } = await backend.forward(batch);
    const vocab = logits.shape[1];
    active.forEach((sequenceIndex, row) => {
      let best = 0;
      for (let v = 1; v < vocab; v++) if (logits.data[row * vocab + v] > logits.data[row * vocab + best]) best = v;
      if (options.stopIds.includes(best)) done[sequenceIndex] = true;
      else sequences[sequenceIndex].push(best);
      if (step + 1 >= options.maxNewTokens) done[sequenceIndex] = true;
    });
  }
  return sequences;
}
