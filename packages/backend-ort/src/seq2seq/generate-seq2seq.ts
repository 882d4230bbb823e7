import { BackendError, type GenerateOptions, InvalidInputError, type ModelConfig, checkInputIds } from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import type { OrtRuntime } from '../ort-runtime';
import { checkOrtSource, runOrtEncoder } from './ort-seq2seq-encoder';
import { readFloat32 } from '../ort-tensor-data';
import { type OrtSeq2SeqSessions, encoderStatesFeed, gatherRows, int64Tensor, mergedDecoderFeeds, runSeq2SeqSession, seq2seqPastNames } from './seq2seq-graph-layout';

/** Index of the largest of `vocab` logits from `offset` (first on ties, as the loop's greedy decoding). */
function argmax(logits: Float32Array, offset: number, vocab: number): number {
  let best = 0;
  for (let v = 1; v < vocab; v++) if (logits[offset + v] > logits[offset + best]) best = v;
  return best;
}

/** Last-position logits `[rows, vocab]` of a decoder output, checked against `[rows, fed, vocab]`. */
function lastLogits(output: InferenceSession.ReturnType, rows: number, fed: number): { data: Float32Array; vocab: number; at: (r: number) => number } {
  const logits = output.logits;
  if (logits.dims.length !== 3 || logits.dims[0] !== rows || logits.dims[1] !== fed) {
    throw new BackendError(`The decoder returned logits of shape [${logits.dims.join(', ')}]; expected [${rows}, ${fed}, vocab].`);
  }
  const vocab = logits.dims[2];
  return { data: readFloat32(logits, 'logits'), vocab, at: (r) => (r * fed + fed - 1) * vocab };
}

/**
 * Greedy decoding of an encoder-decoder export (HF `generate` with `num_beams=1`, as core's
 * loop): the encoder runs once; rows are decoded in groups of equal prefix length (the decoder
 * graph has no mask of its own, so rows are never padded); the first new token is
 * `forcedBosTokenId` when given; a stop id ends a row and is kept. With
 * `decoder_with_past_model.onnx` the prefix runs once through `decoder_model.onnx` and each new
 * token is fed alone with the cache (`present.{i}.decoder.*` fed back, the cross-attention
 * `present.{i}.encoder.*` of the first step reused); a merged decoder does both (an empty past
 * and `use_cache_branch` false, then the cache and true); without either every step re-runs the
 * decoder over the whole prefix.
 */
export async function generateSeq2Seq(
  sessions: OrtSeq2SeqSessions,
  Tensor: OrtRuntime['Tensor'],
  config: ModelConfig,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions,
): Promise<number[][]> {
  const sequences = prompts.map((prompt) => [...prompt]);
  if (prompts.length === 0 || options.maxNewTokens <= 0) return sequences;
  const source = checkOrtSource(options.encoder, config, prompts.length, 'generate');
  for (const [b, prompt] of prompts.entries()) {
    if (prompt.length === 0) throw new InvalidInputError(`Decoder prefix ${b} is empty; start it with decoder_start_token_id (${config.decoderStartTokenId}).`);
    checkInputIds({ data: Int32Array.from(prompt), shape: [1, prompt.length] }, config);
    if (prompt.length + options.maxNewTokens - 1 > config.maxPositions) {
      throw new InvalidInputError(
        `A ${prompt.length}-token decoder prefix plus ${options.maxNewTokens} new tokens exceeds the model's ${config.maxPositions} positions; ` +
          `use maxNewTokens <= ${config.maxPositions - prompt.length + 1}.`, { code: 'INPUT_TOO_LONG' },
      );
    }
  }
  const states = await runOrtEncoder(sessions, Tensor, source);
  const hidden = states.length / (source.batch * source.length);
  const groups = new Map<number, number[]>();
  for (const [b, prompt] of prompts.entries()) groups.set(prompt.length, [...(groups.get(prompt.length) ?? []), b]);
  const past = seq2seqPastNames(config.numLayers);
  for (const rows of groups.values()) {
    const mask = gatherRows(source.mask, source.length, rows);
    const groupStates = gatherRows(states, source.length * hidden, rows);
    const done = rows.map(() => false);
    // What each row feeds next; a finished row keeps feeding padId so the group stays rectangular.
    const fedIds = rows.map((row) => [...prompts[row]]);
    let cache: Record<string, OrtTensor> | undefined;
    try {
      for (let step = 0; step < options.maxNewTokens && done.includes(false); step++) {
        const cached = cache !== undefined;
        const fed = cached ? 1 : fedIds[0].length;
        const session = cached ? sessions.decoderWithPast! : sessions.decoder;
        const feeds: Record<string, OrtTensor> = {
          ...mergedDecoderFeeds(sessions, Tensor, config, rows.length, cached),
          ...cache,
          input_ids: int64Tensor(Tensor, fedIds.flatMap((ids) => ids.slice(ids.length - fed)), [rows.length, fed]),
          encoder_attention_mask: int64Tensor(Tensor, mask, [rows.length, source.length]),
          encoder_hidden_states: encoderStatesFeed(session, Tensor, groupStates, [rows.length, source.length, hidden]),
        };
        const keep = new Set(cache ? past.encoder.map((name) => cache![name]) : []);
        const output = await runSeq2SeqSession(session, feeds, `generated token ${step + 1} of a group of ${rows.length}`, keep);
        const next: Record<string, OrtTensor> = {};
        try {
          const { data, vocab, at } = lastLogits(output, rows.length, fed);
          rows.forEach((row, r) => {
            if (done[r]) return;
            const best = step === 0 && options.forcedBosTokenId !== undefined ? options.forcedBosTokenId : argmax(data, at(r), vocab);
            sequences[row].push(best);
            if (options.stopIds.includes(best) || step + 1 >= options.maxNewTokens) done[r] = true;
          });
          rows.forEach((row, r) => {
            fedIds[r].push(done[r] ? options.padId : sequences[row][sequences[row].length - 1]);
          });
          if (sessions.decoderWithPast) {
            for (const name of past.decoder) next[name] = output[name.replace('past_key_values', 'present')];
            for (const name of past.encoder) next[name] = cache?.[name] ?? output[name.replace('past_key_values', 'present')];
          }
        } finally {
          const kept = new Set(Object.values(next));
          // The feeds (the previous cache's decoder part among them) were disposed by the run; the encoder part lives on in `next`.
          for (const tensor of Object.values(output)) if (!kept.has(tensor)) tensor.dispose();
        }
        cache = sessions.decoderWithPast ? next : undefined;
      }
    } finally {
      for (const tensor of Object.values(cache ?? {})) tensor.dispose();
    }
  }
  return sequences;
}
