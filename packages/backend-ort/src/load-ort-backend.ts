import { InvalidInputError, ModelLoadError, type ModelBackend, type ModelFiles, readJsonFile } from '@inseq/core';
import { InferenceSession } from 'onnxruntime-node';
import { createOrtBackend } from './create-ort-backend';
import { parseOrtConfig } from './parse-ort-config';
import { readOnnxInitializer } from './read-onnx-initializer';

/** Options of {@link loadOrtBackend}. */
export interface LoadOrtBackendOptions {
  /** Threads ONNX Runtime uses inside one operator. @defaultValue ONNX Runtime's choice (one per core) */
  readonly intraOpNumThreads?: number;
}

/** The files a model folder must hold for this backend (the transformers.js / Optimum layout). */
export const requiredOrtFiles = Object.freeze(['config.json', 'onnx/model.onnx'] as const);

/** Graph inputs this backend feeds; `position_ids` is fed when the graph declares it. */
const requiredInputs = Object.freeze(['input_ids', 'attention_mask'] as const);
const knownInputs: readonly string[] = [...requiredInputs, 'position_ids'];

/**
 * Loads a decoder-only ONNX export (`config.json` + `onnx/model.onnx`, inputs `input_ids`,
 * `attention_mask` and optionally `position_ids`, output `logits`, no past key values) into an
 * onnxruntime-node session and returns its {@link ModelBackend} (`name: 'ort'`). Node only for now.
 *
 * @throws {@link ModelLoadError} `'MODEL_LOAD'` when a file is missing, `'UNSUPPORTED_MODEL'` for
 * another `model_type` or a graph with other inputs, `'INVALID_FILE'` for a malformed config or
 * an ONNX file ONNX Runtime cannot read (its error is the `cause`).
 */
export async function loadOrtBackend(files: ModelFiles, options?: LoadOrtBackendOptions): Promise<ModelBackend> {
  const threads = options?.intraOpNumThreads;
  if (threads !== undefined && !(Number.isSafeInteger(threads) && threads > 0)) {
    throw new InvalidInputError(`intraOpNumThreads must be a positive integer, got ${threads}.`, 'INVALID_ARGUMENT');
  }
  for (const name of requiredOrtFiles) {
    if (!(await files.has(name))) {
      throw new ModelLoadError(
        `${files.location} has no ${name}. The ort backend needs a folder in the transformers.js / Optimum layout with ` +
          `${requiredOrtFiles.join(' and ')} (in Python: optimum-cli export onnx --model <id> <folder>, then move model.onnx into onnx/).`,
      );
    }
  }
  const config = parseOrtConfig(await readJsonFile(files, 'config.json'));
  const fileName = `${files.location}/onnx/model.onnx`;
  const bytes = await files.read('onnx/model.onnx');
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, threads === undefined ? {} : { intraOpNumThreads: threads });
  } catch (cause) {
    throw new ModelLoadError(`ONNX Runtime cannot read ${fileName}: ${(cause as Error)?.message ?? String(cause)}`, {
      code: 'INVALID_FILE',
      cause,
    });
  }
  const inputs = [...session.inputNames];
  const missing = requiredInputs.filter((name) => !inputs.includes(name));
  const unknown = inputs.filter((name) => !knownInputs.includes(name));
  if (missing.length > 0 || unknown.length > 0 || !session.outputNames.includes('logits')) {
    await session.release();
    throw new ModelLoadError(
      `${fileName} has inputs [${inputs.join(', ')}] and outputs [${session.outputNames.join(', ')}]; the ort backend expects ` +
        `inputs ${knownInputs.join(', ')} (position_ids optional) and an output logits. Exports with past key values ` +
        '(KV cache) are not supported yet: export without --task text-generation-with-past.',
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  let wte: ReturnType<typeof readOnnxInitializer>;
  try {
    wte = readOnnxInitializer(bytes, 'transformer.wte.weight');
  } catch {
    // ONNX Runtime read the file, so a walk that fails here only means embeddings are unavailable.
    wte = undefined;
  }
  const embeddings = wte && wte.dims.length === 2 && wte.dims[1] === config.hiddenSize ? wte : undefined;
  return createOrtBackend(session, config, { embeddings, usesPositionIds: inputs.includes('position_ids') });
}
