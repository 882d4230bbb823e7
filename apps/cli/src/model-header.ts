import type { AttributionModel } from 'inseq';

/**
 * One line naming what ran, printed above a table: `saliency · models/tiny-gpt2 (gpt2, 2 layers,
 * tfjs wasm)` — the method, the model as given on the command line, its type, depth, backend and
 * device (when one was asked).
 */
export function modelHeader(method: string, modelPath: string, model: AttributionModel, device?: string): string {
  const { config } = model.backend;
  const runtime = device === undefined ? model.backend.name : `${model.backend.name} ${device}`;
  return `${method} · ${modelPath} (${config.modelType}, ${config.numLayers} layer${config.numLayers === 1 ? '' : 's'}, ${runtime})`;
}
