// A consumer of the published types: what an outside project would write.
import { createGpt2Model, initTfjs, loadTfjsBackend, type TfjsArchitecture, type TfjsCausalLm } from '@inseq/backend-tfjs';
import { createRegistry, type ModelBackend } from '@inseq/core';

export async function load(files: Parameters<typeof loadTfjsBackend>[0]): Promise<ModelBackend> {
  await initTfjs('cpu');
  return loadTfjsBackend(files);
}
export const parts: [typeof createGpt2Model, typeof createRegistry] = [createGpt2Model, createRegistry];
export type Custom = TfjsArchitecture | TfjsCausalLm;
