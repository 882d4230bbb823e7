import { describe, expect, it } from 'vitest';
import { findEmbeddingScaleMul, type ScaleRuleNode } from './find-embedding-scale';

const node = (opType: string, inputs: string[], outputs: string[]): ScaleRuleNode => ({ opType, inputs, outputs });
const constants: Record<string, number> = { scale: 5.5, half: 0.5 };
const scalarOf = (name: string) => constants[name];

describe('findEmbeddingScaleMul: the embedding scale after a token lookup, by structure', () => {
  const gather = node('Gather', ['table', 'input_ids'], ['rows']);

  it('finds a Mul by a scalar constant that alone reads the rows, in either input order', () => {
    const mul = node('Mul', ['rows', 'scale'], ['scaled']);
    const add = node('Add', ['scaled', 'positions'], ['sum']);
    expect(findEmbeddingScaleMul([gather, mul, add], ['logits'], 'rows', scalarOf)).toEqual({ scale: 5.5, nodes: [mul], output: 'scaled' });
    const swapped = node('Mul', ['half', 'rows'], ['scaled']);
    expect(findEmbeddingScaleMul([gather, swapped, add], ['logits'], 'rows', scalarOf)).toMatchObject({ scale: 0.5, output: 'scaled' });
  });

  it('follows casts of the rows and of the scalar (float16 exports)', () => {
    const castRows = node('Cast', ['rows'], ['rows32']);
    const castScale = node('Cast', ['scale'], ['scale32']);
    const mul = node('Mul', ['rows32', 'scale32'], ['scaled']);
    expect(findEmbeddingScaleMul([castScale, gather, castRows, mul], [], 'rows', scalarOf)).toEqual({ scale: 5.5, nodes: [castRows, mul], output: 'scaled' });
  });

  it('finds nothing when the rows go elsewhere first (T5, decoder-only models) or the factor is computed', () => {
    const mul = node('Mul', ['rows', 'scale'], ['scaled']);
    // Read twice: a norm and a residual add (T5), or a Shape beside the Mul.
    expect(findEmbeddingScaleMul([gather, mul, node('Shape', ['rows'], ['shape'])], [], 'rows', scalarOf)).toBeUndefined();
    expect(findEmbeddingScaleMul([gather, node('Add', ['rows', 'positions'], ['sum'])], [], 'rows', scalarOf)).toBeUndefined();
    // A Mul by a value computed from the rows (RMS norm), or by a non-constant.
    expect(findEmbeddingScaleMul([gather, node('Mul', ['rows', 'inverse_rms'], ['normed'])], [], 'rows', scalarOf)).toBeUndefined();
    expect(findEmbeddingScaleMul([gather, node('Mul', ['rows', 'rows'], ['square'])], [], 'rows', scalarOf)).toBeUndefined();
    // The rows are a graph output.
    expect(findEmbeddingScaleMul([gather, mul], ['rows'], 'rows', scalarOf)).toBeUndefined();
  });
});
