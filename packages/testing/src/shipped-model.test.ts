import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';

const shippedDirectory = fileURLToPath(new URL('../../../models/tiny-gpt2/', import.meta.url));

// The committed model is what the CLI and apps load by default; it must never drift from the generator.
describe('models/tiny-gpt2', () => {
  const fresh = createTinyGpt2();

  it('holds exactly the generated files and a README', async () => {
    const names = (await readdir(shippedDirectory)).sort();
    expect(names).toEqual([...Object.keys(fresh.files), 'README.md'].sort());
  });

  it.each(Object.keys(fresh.files))('has %s equal byte for byte to a fresh generation', async (name) => {
    const committed = await readFile(`${shippedDirectory}${name}`);
    const same = committed.equals(Buffer.from(fresh.files[name]));
    expect(
      same,
      `models/tiny-gpt2/${name} differs from createTinyGpt2(). If the generator changed on purpose, regenerate with ` +
        '`bench/node_modules/.bin/tsx packages/testing/scripts/write-shipped-model.ts` and commit the result.',
    ).toBe(true);
  });
});
