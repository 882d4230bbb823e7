import type { EncoderInput, ModelBackend } from '../contracts/model-backend';
import { padLeft } from './pad-left';
import { padRight } from './pad-right';

/**
 * Greedy decoding of an encoder-decoder model (HF `generate` with `num_beams=1`): every row starts
 * from its decoder prefix (the decoder start token, or a target prefix), the first new token may be
 * forced (`forced_bos_token_id`), and a stop id ends a row **and is kept**, as HF's output keeps
 * the eos. Without a cache each new token re-runs the decoder over its prefix (the encoder too);
 * a backend's own `generate` replaces this when it has one.
 */
export async function generateEncoderDecoder(
  backend: ModelBackend,
  sources: readonly (readonly number[])[],
  prefixes: readonly (readonly number[])[],
  options: { maxNewTokens: number; stopIds: readonly number[]; padId: number; forcedBosTokenId?: number },
): Promise<number[][]> {
  const encoder: EncoderInput = padRight(sources, options.padId);
  if (backend.generate) {
    return backend.generate(prefixes, { ...options, encoder });
  }
  const sequences = prefixes.map((prefix) => [...prefix]);
  const done = prefixes.map(() => options.maxNewTokens <= 0);
  for (let step = 0; step < options.maxNewTokens && done.includes(false); step++) {
    const active = sequences.flatMap((_, i) => (done[i] ? [] : [i]));
    const rows = (data: Int32Array, width: number) => Int32Array.from(active.flatMap((i) => Array.from(data.subarray(i * width, (i + 1) * width))));
    const width = encoder.inputIds.shape[1];
    const { logits } = await backend.forward({
      ...padLeft(
        active.map((i) => sequences[i]),
        options.padId,
      ),
      encoder: {
        inputIds: { data: rows(encoder.inputIds.data, width), shape: [active.length, width] },
        attentionMask: { data: rows(encoder.attentionMask.data, width), shape: [active.length, width] },
      },
    });
    const vocab = logits.shape[1];
    active.forEach((i, row) => {
      let best = 0;
      if (step === 0 && options.forcedBosTokenId !== undefined) best = options.forcedBosTokenId;
      else for (let v = 1; v < vocab; v++) if (logits.data[row * vocab + v] > logits.data[row * vocab + best]) best = v;
      sequences[i].push(best);
      if (options.stopIds.includes(best) || step + 1 >= options.maxNewTokens) done[i] = true;
    });
  }
  return sequences;
}
