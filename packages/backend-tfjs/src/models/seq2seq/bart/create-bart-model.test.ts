import { createTinyBart } from '@inseq/testing';
import { describe } from 'vitest';
import { builtinArchitectures } from '../../tfjs-architectures';
import { describeAgainstReference } from '../seq2seq-reference-checks.test-support';

const architecture = (name: string) => builtinArchitectures.find((candidate) => candidate.name === name)!;

const tables = { encoder: 'model.shared.weight', decoder: 'model.shared.weight' };

// BART/mBART: the attributed tensor is the table rows × embed_scale, which HF's encoder and
// decoder take as inputs_embeds without scaling again.
describe('BART-family encoder-decoders in tfjs against the float64 reference', () => {
  describeAgainstReference('bart (learned positions, layernorm_embedding, post-norm, erf GELU)', createTinyBart({ seed: 3 }), architecture('bart'), {
    encoder: 1,
    decoder: 1,
    embedScale: 1,
    tables,
  });
  const scale = Math.sqrt(32);
  describeAgainstReference('bart, scale_embedding and an untied lm_head', createTinyBart({ seed: 4, scaleEmbedding: true, tieWordEmbeddings: false }), architecture('bart'), {
    encoder: 1,
    decoder: 1,
    embedScale: scale,
    tables,
  });
  describeAgainstReference('mbart (pre-norm, final stack norms, scaled embeddings)', createTinyBart({ seed: 5, family: 'mbart' }), architecture('mbart'), {
    encoder: 1,
    decoder: 1,
    embedScale: scale,
    tables,
  });
});
