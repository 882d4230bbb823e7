import type { ModelFiles } from '../contracts/model-files';
import { readJsonFile } from '../contracts/model-files';
import { InseqError } from '../errors/inseq-error';
import { untrustedJson } from '../errors/quote-untrusted';

/**
 * The shared part of a backend's `canLoad`: `true` when the folder has every required file and a
 * config.json naming a supported `model_type`, else the reason in words (never throws for a bad
 * folder, so a caller can try the next backend and report every reason).
 */
export async function checkModelFolder(
  files: ModelFiles,
  requirements: { readonly backend: string; readonly requiredFiles: readonly string[]; readonly modelTypes: readonly string[] },
): Promise<true | string> {
  for (const name of requirements.requiredFiles) {
    if (!(await files.has(name))) return `${files.location} has no ${name}`;
  }
  let raw: Record<string, unknown>;
  try {
    raw = await readJsonFile(files, 'config.json');
  } catch (error) {
    if (InseqError.isInstance(error)) return error.message;
    throw error;
  }
  const modelType = raw.model_type;
  if (typeof modelType !== 'string' || !requirements.modelTypes.includes(modelType)) {
    return `model_type ${untrustedJson(modelType, 60)} is not supported by the ${requirements.backend} backend (supported: ${requirements.modelTypes.join(', ')})`;
  }
  return true;
}
