import { createTinyMarian } from '@inseq/testing';
import { describe } from 'vitest';
import { describeAgainstReference } from '../seq2seq-reference-checks.test-support';
import { builtinArchitectures } from '../../tfjs-architectures';

const marian = builtinArchitectures.find((candidate) => candidate.name === 'marian')!;
const scale = Math.sqrt(32);

describe('Marian in tfjs against the float64 reference', () => {
  // The attributed tensor is the table rows × √d_model on both sides. HF's Marian encoder takes
  // inputs_embeds as they are; its decoder scales decoder_inputs_embeds itself, so the reference
  // gets the decoder's attributed tensor ÷ √d_model.
  const shared = { encoder: 'model.shared.weight', decoder: 'model.shared.weight' };
  const separate = { encoder: 'model.encoder.embed_tokens.weight', decoder: 'model.decoder.embed_tokens.weight' };
  describeAgainstReference('marian (opus-mt shape: shared, tied, sinusoids, swish)', createTinyMarian({ seed: 1 }), marian, { encoder: 1, decoder: 1 / scale, embedScale: scale, tables: shared });
  describeAgainstReference(
    'marian with separate encoder/decoder embeddings and an untied lm_head',
    createTinyMarian({ seed: 2, shareEncoderDecoderEmbeddings: false, tieWordEmbeddings: false }),
    marian,
    { encoder: 1, decoder: 1 / scale, embedScale: scale, tables: separate },
  );
});
