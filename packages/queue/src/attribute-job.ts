import { type AttributionModel, InvalidInputError, outputToJson, type PluginRegistries } from '@inseq/core';
import { attribute } from 'inseq';
import type { AttributionRequest, QueueJobData } from './job-data';

export interface InseqAttributeOptions {
  /** Loads the model a request names (the CLI passes inseq's loadModel with its backends). */
  readonly loadModel: (request: AttributionRequest) => Promise<AttributionModel>;
  /**
   * The registries a request's `plugins` need (the CLI loads the modules into a fresh copy of the
   * default registries, once per plugin list). A request with plugins and no such function fails
   * with a message saying so.
   */
  readonly registriesFor?: (plugins: readonly string[]) => Promise<Pick<PluginRegistries, 'methods' | 'stepFunctions'>>;
}

export interface InseqAttribute {
  (data: QueueJobData): Promise<string>;
  /** Disposes every cached model. */
  dispose(): Promise<void>;
}

/** The key models are cached under: one load per model, revision, backend, device and dtype per worker. */
export function modelCacheKey(request: AttributionRequest): string {
  return JSON.stringify([request.model, request.revision ?? null, request.backend ?? null, request.device ?? null, request.dtype ?? null]);
}

/**
 * The default `attribute` of {@link runWorker}: loads each job's model once per worker, runs inseq's
 * `attribute` on its one example and returns the inseq-ts JSON of the output (what `inseq attribute -o` writes).
 */
export function inseqAttribute(options: InseqAttributeOptions): InseqAttribute {
  const models = new Map<string, Promise<AttributionModel>>();
  const pluginRegistries = new Map<string, Promise<Pick<PluginRegistries, 'methods' | 'stepFunctions'>>>();
  const run = async (data: QueueJobData): Promise<string> => {
    const key = modelCacheKey(data.request);
    let model = models.get(key);
    if (model === undefined) {
      model = options.loadModel(data.request);
      models.set(key, model);
      model.catch(() => models.delete(key));
    }
    const loaded = await model;
    const { request, example } = data;
    let registries: Pick<PluginRegistries, 'methods' | 'stepFunctions'> | undefined;
    if (request.plugins !== undefined && request.plugins.length > 0) {
      if (options.registriesFor === undefined) {
        throw new InvalidInputError(`This job needs the plugins ${request.plugins.join(', ')}, and this worker cannot load plugins: give inseqAttribute a registriesFor function.`, {
          code: 'INVALID_ARGUMENT',
        });
      }
      const key = JSON.stringify(request.plugins);
      let pending = pluginRegistries.get(key);
      if (pending === undefined) {
        pending = options.registriesFor(request.plugins);
        pluginRegistries.set(key, pending);
        pending.catch(() => pluginRegistries.delete(key));
      }
      registries = await pending;
    }
    // One example per job: its info says batch_size 1, as a local run with --batch-size 1 does.
    const output = await attribute(loaded, [example.inputText], {
      method: request.method,
      batchSize: 1,
      ...(example.generatedText !== undefined && { generatedTexts: [example.generatedText] }),
      ...(request.attributionArgs !== undefined && { attributionArgs: request.attributionArgs }),
      ...(request.stepScores !== undefined && { stepScores: [...request.stepScores] }),
      ...(request.stepScoresArgs !== undefined && { stepScoresArgs: request.stepScoresArgs }),
      ...(request.attributedFn !== undefined && { attributedFn: request.attributedFn }),
      ...(request.attributedFnArgs !== undefined && { attributedFnArgs: request.attributedFnArgs }),
      ...(request.attributeTarget !== undefined && { attributeTarget: request.attributeTarget }),
      ...(request.maxNewTokens !== undefined && { maxNewTokens: request.maxNewTokens }),
      ...(request.attrPosStart !== undefined && { attrPosStart: request.attrPosStart }),
      ...(request.attrPosEnd !== undefined && { attrPosEnd: request.attrPosEnd }),
      ...(request.includeEosBaseline !== undefined && { includeEosBaseline: request.includeEosBaseline }),
      ...(registries !== undefined && { methods: registries.methods, stepFunctions: registries.stepFunctions }),
    });
    return outputToJson(output, request.scoresPrecision !== undefined ? { scoresPrecision: request.scoresPrecision } : undefined);
  };
  return Object.assign(run, {
    async dispose() {
      const loaded = await Promise.allSettled(models.values());
      models.clear();
      for (const result of loaded) if (result.status === 'fulfilled') await result.value.backend.dispose();
    },
  });
}
