import { describe, expect, it } from 'vitest';
import { parseHubId } from './parse-hub-id';

describe('parseHubId', () => {
  it('takes org/name, name and @revision', () => {
    expect(parseHubId('openai-community/gpt2')).toEqual({ repoId: 'openai-community/gpt2' });
    expect(parseHubId('gpt2')).toEqual({ repoId: 'gpt2' });
    expect(parseHubId('Xenova/tiny-random.GPT2_x@v1.0')).toEqual({ repoId: 'Xenova/tiny-random.GPT2_x', revision: 'v1.0' });
    expect(parseHubId(`org/name@${'a'.repeat(40)}`)).toEqual({ repoId: 'org/name', revision: 'a'.repeat(40) });
    expect(parseHubId('org/name@refs/pr/1')).toEqual({ repoId: 'org/name', revision: 'refs/pr/1' });
  });

  it('refuses paths and malformed names', () => {
    for (const text of ['./model', '/tmp/model', 'a/b/c', 'C:\\model', '../x', 'org/', '/name', 'org/na--me', 'org/-x', 'org/name@', 'org/x y', '.', '..', '~/model']) {
      expect(parseHubId(text), text).toBeUndefined();
    }
  });
});
