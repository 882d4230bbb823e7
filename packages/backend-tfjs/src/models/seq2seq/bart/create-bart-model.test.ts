import { createTinyBart } from '@inseq/testing';
import { describe } from 'vitest';
import { builtinArchitectures } from '../../tfjs-architectures';
import { describeAgainstReference } from '../seq2seq-reference-checks.test-support';

const architecture = (name: string) => builtinArchitectures.find((candidate) => candidate.name === name)!;

describe('BART-family encoder-decoders in tfjs against the float64 reference', () => {
  describeAgainstReference('bart (learned positions, layernorm_embedding, post-norm, erf GELU)', createTinyBart({ seed: 3 }), architecture('bart'), {
    encoder: 1,
    decoder: 1,
  });
  const scale = Math.sqrt(32);
  describeAgainstReference('bart, scale_embedding and an untied lm_head', createTinyBart({ seed: 4, scaleEmbedding: true, tieWordEmbeddings: false }), architecture('bart'), {
    encoder: scale,
    decoder: scale,
  });
  describeAgainstReference('mbart (pre-norm, final stack norms, scaled embeddings)', createTinyBart({ seed: 5, family: 'mbart' }), architecture('mbart'), {
    encoder: scale,
    decoder: scale,
  });
});
