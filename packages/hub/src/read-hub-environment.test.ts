import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHubEnvironment as readBrowserEnvironment } from './hub-platform-browser';
import { readHubEnvironment } from './hub-platform-node';

describe('readHubEnvironment', () => {
  it('finds the cache as huggingface_hub does: HF_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME, ~/.cache', () => {
    const none = { HF_TOKEN_PATH: '/nonexistent/token' };
    expect(readHubEnvironment({ ...none, HF_HUB_CACHE: '/c', HF_HOME: '/h' }).cacheDir).toBe('/c');
    expect(readHubEnvironment({ ...none, HF_HOME: '/h', XDG_CACHE_HOME: '/x' }).cacheDir).toBe(join('/h', 'hub'));
    expect(readHubEnvironment({ ...none, XDG_CACHE_HOME: '/x' }).cacheDir).toBe(join('/x', 'huggingface', 'hub'));
    expect(readHubEnvironment({ ...none }).cacheDir).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('reads HF_ENDPOINT, HF_HUB_OFFLINE and HF_TOKEN, else the token file', async () => {
    expect(readHubEnvironment({ HF_ENDPOINT: 'http://127.0.0.1:1/', HF_TOKEN_PATH: '/nonexistent' })).toMatchObject({ endpoint: 'http://127.0.0.1:1' });
    for (const [value, offline] of [['1', true], ['TRUE', true], ['yes', true], ['0', false], ['', false]] as const) {
      expect(readHubEnvironment({ HF_HUB_OFFLINE: value, HF_TOKEN_PATH: '/nonexistent' }).offline, value).toBe(offline);
    }
    expect(readHubEnvironment({ HF_TOKEN_PATH: '/nonexistent' }).offline).toBeUndefined();
    const home = await mkdtemp(join(tmpdir(), 'inseq-hf-home-'));
    try {
      await writeFile(join(home, 'token'), 'hf_from_file\n');
      expect(readHubEnvironment({ HF_HOME: home }).token).toBe('hf_from_file');
      expect(readHubEnvironment({ HF_HOME: home, HF_TOKEN: 'hf_env' }).token).toBe('hf_env');
      expect(readHubEnvironment({ HF_HOME: join(home, 'none') }).token).toBeUndefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('in browsers, reads only what a page passes: no token file, no cache folder', () => {
    expect(readBrowserEnvironment()).toEqual({});
    expect(readBrowserEnvironment({ HF_ENDPOINT: 'http://h/', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: 'on', HF_HOME: '/h' })).toEqual({
      endpoint: 'http://h',
      token: 'hf_x',
      offline: true,
    });
  });
});
