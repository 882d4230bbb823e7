import type { InseqPlatform } from './inseq-platform';

/** Node: local files through node:fs/promises, imported when first used. */
export const inseqPlatform: InseqPlatform = Object.freeze({
  async pathExists(path: string) {
    const { stat } = await import('node:fs/promises');
    return (await stat(path).catch(() => undefined)) !== undefined;
  },
  async readTextFile(path: string) {
    const { readFile } = await import('node:fs/promises');
    return readFile(path, 'utf8');
  },
});
