import {
  type DifferentiableTarget,
  type GradientOutput,
  type StepAttribution,
  type StepContext,
  selectContrastRows,
  type Tensor,
} from '@inseq/core';
import { type BaselineName, jointBaselineEmbeddings } from '../gradient/baseline-embeddings';
import { jointLayout, splitSides } from '../gradient/joint-inputs';
import { selectRows } from '../gradient/select-rows';
import type { TargetLayer } from './target-layer';

/** Baseline embeddings of each side: `target` `[batch, length, hidden]`, and with a source `source` `[batch, sourceLength, hidden]`; `joint` joins them (see `jointLayout`). */
export interface SideBaselines {
  readonly target: Tensor;
  readonly source?: Tensor;
  readonly joint: Tensor;
}

/**
 * The baselines of both sides (the same token through each side's embedding table, as the
 * gradient methods build them). A layer's baseline activation a′ is its output on these, as
 * Captum's layer methods run the whole baseline input, source included.
 */
export async function sideBaselines(ctx: StepContext, baseline: BaselineName): Promise<SideBaselines> {
  const joint = await jointBaselineEmbeddings(ctx, baseline);
  if (!ctx.encoder) return { target: joint, joint };
  const layout = jointLayout(ctx);
  const { target, source } = splitSides(layout, joint.data, layout.hidden);
  return {
    target: { data: target, shape: [...ctx.inputsEmbeds.shape] },
    source: { data: source, shape: [...ctx.encoder.inputsEmbeds.shape] },
    joint,
  };
}

/** One gradient call at `layer` for rows `examples` of the step (each row's own ids, masks, source and contrast). */
export interface LayerGradientRequest {
  readonly layer: TargetLayer;
  readonly target: DifferentiableTarget;
  readonly examples: ArrayLike<number>;
  /** The layer's replaced output, `[rows, length, layerHidden]`; absent: the gradient at its own output. */
  readonly override?: Tensor;
  /** DeepLIFT Rescale against these baselines (selected by `examples` too). */
  readonly rescale?: SideBaselines;
}

/** d target / d (layer output) for the rows of `request`, `[rows, length, layerHidden]`, with `layerActivation`. */
export function layerGradients(ctx: StepContext, request: LayerGradientRequest): Promise<GradientOutput> {
  const { examples, rescale } = request;
  const encoder = ctx.encoder;
  return ctx.backend.gradients!({
    inputIds: selectRows(ctx.inputIds, examples),
    attentionMask: selectRows(ctx.attentionMask, examples),
    inputsEmbeds: selectRows(ctx.inputsEmbeds, examples),
    targetIds: Int32Array.from(examples, (b) => ctx.targetIds[b]),
    target: request.target,
    ...(ctx.contrast && { contrast: selectContrastRows(ctx.contrast, examples) }),
    layer: { name: request.layer.name, ...(request.override && { override: request.override }) },
    ...(rescale && {
      rescale: {
        referenceEmbeds: selectRows(rescale.target, examples),
        ...(rescale.source && { encoderReferenceEmbeds: selectRows(rescale.source, examples) }),
      },
    }),
    ...(encoder && {
      encoder: {
        inputIds: selectRows(encoder.inputIds, examples),
        attentionMask: selectRows(encoder.attentionMask, examples),
        inputsEmbeds: selectRows(encoder.inputsEmbeds, examples),
      },
    }),
  });
}

/**
 * A layer method's result: attributions over the positions of the layer's stack — the target
 * prefix (`attributions`) for a decoder (or decoder-only) layer, the source
 * (`sourceAttributions`) for an encoder layer. On an encoder-decoder step the other side is
 * returned NaN-filled (`[batch, itsLength, layerHidden]`): it is not attributed, and the loop
 * stores NaN there.
 */
export function layerResult(ctx: StepContext, layer: TargetLayer, attributions: Tensor): StepAttribution {
  const encoder = ctx.encoder;
  if (!encoder) return { attributions };
  const [batch, , hidden] = attributions.shape;
  const unattributed = (length: number): Tensor => ({ data: new Float32Array(batch * length * hidden).fill(Number.NaN), shape: [batch, length, hidden] });
  return layer.stack === 'encoder'
    ? { attributions: unattributed(ctx.inputIds.shape[1]), sourceAttributions: attributions }
    : { attributions, sourceAttributions: unattributed(encoder.inputIds.shape[1]) };
}
