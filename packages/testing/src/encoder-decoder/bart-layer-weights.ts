import type { Seq2SeqWeightWriter } from './seq2seq-weight-writer';

/** Sizes of one stack of BART-shaped layers. */
export interface BartLayerSizes {
  layers: number;
  dModel: number;
  ffnDim: number;
}

/**
 * Adds the layers of a BART-shaped stack (BART, mBART, Marian share them) under `prefix`
 * (`model.encoder` or `model.decoder`) with their `state_dict` names: `self_attn.{q,k,v,out}_proj`
 * with biases, `self_attn_layer_norm`, for the decoder `encoder_attn.*` and
 * `encoder_attn_layer_norm`, then `fc1`, `fc2`, `final_layer_norm`.
 */
export function addBartLayers(writer: Seq2SeqWeightWriter, prefix: string, sizes: BartLayerSizes, withCrossAttention: boolean): void {
  const { layers, dModel, ffnDim } = sizes;
  const attention = (p: string) => {
    for (const projection of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) {
      writer.add(`${p}.${projection}.weight`, [dModel, dModel], 'matrix');
      writer.add(`${p}.${projection}.bias`, [dModel], 'bias');
    }
  };
  const layerNorm = (p: string) => {
    writer.add(`${p}.weight`, [dModel], 'norm');
    writer.add(`${p}.bias`, [dModel], 'bias');
  };
  for (let layer = 0; layer < layers; layer++) {
    const p = `${prefix}.layers.${layer}`;
    attention(`${p}.self_attn`);
    layerNorm(`${p}.self_attn_layer_norm`);
    if (withCrossAttention) {
      attention(`${p}.encoder_attn`);
      layerNorm(`${p}.encoder_attn_layer_norm`);
    }
    writer.add(`${p}.fc1.weight`, [ffnDim, dModel], 'matrix');
    writer.add(`${p}.fc1.bias`, [ffnDim], 'bias');
    writer.add(`${p}.fc2.weight`, [dModel, ffnDim], 'matrix');
    writer.add(`${p}.fc2.bias`, [dModel], 'bias');
    layerNorm(`${p}.final_layer_norm`);
  }
}
