import { createTinyT5 } from '@inseq/testing';
import { describe } from 'vitest';
import { describeAgainstReference } from '../seq2seq-reference-checks.test-support';
import { builtinArchitectures } from '../../tfjs-architectures';

const t5 = builtinArchitectures.find((candidate) => candidate.name === 't5')!;
// T5 has no embedding scale: the attributed tensor is the shared table's rows, taken as they are on both sides.
const unscaled = { encoder: 1, decoder: 1, embedScale: 1, tables: { encoder: 'shared.weight', decoder: 'shared.weight' } };

describe('T5 in tfjs against the float64 reference', () => {
  describeAgainstReference('t5 (ReLU, tied lm_head scaled by d_model^-0.5)', createTinyT5({ seed: 1 }), t5, unscaled);
  describeAgainstReference('t5 v1.1 / Flan (gated-gelu, untied)', createTinyT5({ seed: 2, feedForwardProj: 'gated-gelu' }), t5, unscaled);
  describeAgainstReference(
    't5 with 8 buckets up to distance 20 (logarithmic buckets reached) and 3 decoder blocks',
    createTinyT5({ seed: 3, numBuckets: 8, maxDistance: 20, numDecoderLayers: 3, dKv: 6 }),
    t5,
    unscaled,
  );
});
