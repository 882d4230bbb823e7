import { InvalidInputError } from '@inseq/core';
import type { OnnxGraphSpec, OnnxModelSpec, OnnxNodeSpec, OnnxTensorSpec, OnnxValueInfoSpec } from './onnx-model-spec';

function sameTensor(a: OnnxTensorSpec, b: OnnxTensorSpec): boolean {
  if (a.dataType !== b.dataType || a.dims.join() !== b.dims.join() || a.data.length !== b.data.length) return false;
  if (a.data === b.data) return true;
  for (let i = 0; i < a.data.length; i++) if (Number(a.data[i]) !== Number(b.data[i])) return false;
  return true;
}

/**
 * One decoder as an `If` branch: every value it computes is renamed under `prefix` (sibling
 * branches and the enclosing graph then never share a name), its initializers that the merged
 * graph does not hold already stay inside it, and it returns `outputs` (with `fallback` giving a
 * value for an output the decoder lacks, e.g. the cross-attention cache passed through).
 */
function branch(
  decoder: OnnxModelSpec,
  prefix: string,
  outer: ReadonlySet<string>,
  shared: ReadonlyMap<string, OnnxTensorSpec>,
  outputs: readonly OnnxValueInfoSpec[],
  fallback: (output: string) => string | undefined,
): OnnxGraphSpec {
  const local = new Map<string, string>();
  const initializers: OnnxTensorSpec[] = [];
  for (const tensor of decoder.initializers) {
    const kept = shared.get(tensor.name);
    if (kept && sameTensor(kept, tensor)) continue;
    local.set(tensor.name, `${prefix}${tensor.name}`);
    initializers.push({ ...tensor, name: `${prefix}${tensor.name}` });
  }
  const rename = (name: string) => (name === '' || (outer.has(name) && !local.has(name)) ? name : (local.get(name) ?? `${prefix}${name}`));
  const nodes: OnnxNodeSpec[] = decoder.nodes.map((node) => ({
    ...node,
    inputs: node.inputs.map(rename),
    outputs: node.outputs.map(rename),
    ...(node.name !== undefined && { name: `${prefix}${node.name}` }),
  }));
  const produced = new Set(decoder.outputs.map((output) => output.name));
  const branchOutputs = outputs.map((output) => {
    if (produced.has(output.name)) return { ...output, name: rename(output.name) };
    const from = fallback(output.name);
    if (from === undefined) throw new InvalidInputError(`mergeDecodersOnnxModel: the ${prefix} branch has no output '${output.name}'.`, { code: 'INVALID_ARGUMENT' });
    const name = `${prefix}${output.name}`;
    nodes.push({ opType: 'Identity', inputs: [from], outputs: [name], name: `${prefix}/Identity_${output.name}` });
    return { ...output, name };
  });
  return { name: prefix.replace(/\W/g, '') || 'branch', inputs: [], outputs: branchOutputs, initializers, nodes };
}

/**
 * Optimum's `decoder_model_merged.onnx` from the decoder without a cache (`decoder_model.onnx`,
 * returning `logits` and every `present.*`) and the one with it (`decoder_with_past_model.onnx`):
 * inputs of both plus `use_cache_branch` (bool `[1]`), one `If` on it whose `then_branch` is the
 * decoder with the cache and `else_branch` the one without, outputs those of the decoder without a
 * cache. Weights both decoders hold (same name, same values) are stored once in the merged graph
 * and read by both branches from there, as Optimum's merge does. A `present.*` output the decoder
 * with a cache lacks (encoder-decoders' cross-attention cache, which does not change after the
 * first step) is its `past_key_values.*` input passed through.
 *
 * @throws InvalidInputError when a branch cannot produce an output of the merged graph.
 */
export function mergeDecodersOnnxModel(noPast: OnnxModelSpec, withPast: OnnxModelSpec): OnnxModelSpec {
  const shared = new Map<string, OnnxTensorSpec>();
  const initializers: OnnxTensorSpec[] = [];
  for (const tensor of [...withPast.initializers, ...noPast.initializers]) {
    if (shared.has(tensor.name)) continue;
    const other = [...withPast.initializers, ...noPast.initializers].find((t) => t.name === tensor.name && t !== tensor);
    // Shared only when both decoders agree on it; a name with two meanings stays inside each branch.
    if (other && !sameTensor(other, tensor)) continue;
    shared.set(tensor.name, tensor);
    initializers.push(tensor);
  }
  const inputs: OnnxValueInfoSpec[] = [];
  for (const input of [...noPast.inputs, ...withPast.inputs]) if (!inputs.some((known) => known.name === input.name)) inputs.push(input);
  inputs.push({ name: 'use_cache_branch', dataType: 'bool', shape: [1] });
  const outer = new Set([...inputs.map((input) => input.name), ...shared.keys()]);
  const outputs = noPast.outputs;
  const pastOf = (output: string) => (output.startsWith('present.') ? `past_key_values.${output.slice('present.'.length)}` : undefined);
  const thenBranch = branch(withPast, '/with_past', outer, shared, outputs, (output) => {
    const past = pastOf(output);
    return past !== undefined && outer.has(past) ? past : undefined;
  });
  const elseBranch = branch(noPast, '/no_past', outer, shared, outputs, () => undefined);
  return {
    ...noPast,
    opsetVersion: Math.max(noPast.opsetVersion, withPast.opsetVersion),
    graphName: 'merged',
    inputs,
    outputs,
    initializers,
    nodes: [
      {
        opType: 'If',
        inputs: ['use_cache_branch'],
        outputs: outputs.map((output) => output.name),
        name: 'optimum::if',
        attributes: { then_branch: { kind: 'graph', value: thenBranch }, else_branch: { kind: 'graph', value: elseBranch } },
      },
    ],
  };
}
