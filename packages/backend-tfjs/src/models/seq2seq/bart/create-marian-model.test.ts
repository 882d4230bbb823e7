import { createTinyMarian } from '@inseq/testing';
import { describe } from 'vitest';
import { describeAgainstReference } from '../seq2seq-reference-checks.test-support';
import { builtinArchitectures } from '../../tfjs-architectures';

const marian = builtinArchitectures.find((candidate) => candidate.name === 'marian')!;
const scale = Math.sqrt(32);

describe('Marian in tfjs against the float64 reference', () => {
  // HF's Marian decoder scales decoder_inputs_embeds itself; its encoder takes them scaled.
  describeAgainstReference('marian (opus-mt shape: shared, tied, sinusoids, swish)', createTinyMarian({ seed: 1 }), marian, { encoder: scale, decoder: 1 });
  describeAgainstReference(
    'marian with separate encoder/decoder embeddings and an untied lm_head',
    createTinyMarian({ seed: 2, shareEncoderDecoderEmbeddings: false, tieWordEmbeddings: false }),
    marian,
    { encoder: scale, decoder: 1 },
  );
});
