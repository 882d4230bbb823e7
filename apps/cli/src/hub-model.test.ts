import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubStandIn, createTinyGpt2, startHubStandIn, writeTinyGpt2 } from '@inseq/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatBytes } from './download-progress';
import { runCli } from './run-cli';

async function run(argv: string[], tty = false) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      isTTY: tty,
      columns: 120,
      write: (text: string) => {
        stderr += text;
      },
    },
  });
  return { code, stdout, stderr };
}

describe('inseq attribute -m <Hub id>', () => {
  const files = createTinyGpt2().files;
  let hub: HubStandIn;
  let cacheDir: string;
  beforeAll(async () => {
    hub = await startHubStandIn({
      repos: [
        { id: 'org/tiny-gpt2', revisions: { main: files } },
        { id: 'org/gated-gpt2', gated: true, revisions: { main: files } },
      ],
      tokens: ['hf_cli_test'],
    });
  });
  afterAll(() => hub.close());
  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'inseq-cli-hub-'));
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    vi.stubEnv('HF_HUB_CACHE', cacheDir);
    vi.stubEnv('HF_TOKEN', undefined);
    vi.stubEnv('HF_TOKEN_PATH', '/nonexistent/inseq-test-token');
    vi.stubEnv('HF_HUB_OFFLINE', undefined);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads from HF_ENDPOINT into HF_HUB_CACHE with --revision <sha>, then runs offline', async () => {
    const sha = hub.commitOf('org/tiny-gpt2');
    const out = join(cacheDir, 'out.json');
    const online = await run(['attribute', '-m', 'org/tiny-gpt2', '--revision', sha, '-i', 'The cat', '-g', 'The cat sat', '-o', out, '--no-color', '--hide']);
    expect(online.stderr).not.toContain('error');
    expect(online.code).toBe(0);
    // Not a terminal: no progress bar.
    expect(online.stderr).not.toContain('Downloading');
    expect(await readFile(join(cacheDir, 'models--org--tiny-gpt2', 'snapshots', sha, 'config.json'))).toEqual(Buffer.from(files['config.json']!));
    const saved = JSON.parse(await readFile(out, 'utf8')) as { info: { model_name: string } };
    expect(JSON.stringify(saved.info)).toContain('org/tiny-gpt2');

    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const requests = hub.requests.length;
    const offline = await run(['attribute', '-m', `org/tiny-gpt2@${sha}`, '-i', 'The cat', '-g', 'The cat sat', '--no-color']);
    expect(offline.code).toBe(0);
    expect(hub.requests.length).toBe(requests);
    const missing = await run(['attribute', '-m', 'org/tiny-gpt2@other', '-i', 'The cat']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: Offline \(HF_HUB_OFFLINE=1\), and org\/tiny-gpt2@other was never resolved/);
  });

  it('shows a progress bar with bytes and ETA on a terminal', async () => {
    const { code, stderr } = await run(['attribute', '-m', 'org/tiny-gpt2', '-i', 'The cat', '-g', 'The cat sat', '--hide'], true);
    expect(code).toBe(0);
    expect(stderr).toContain('Downloading org/tiny-gpt2/model.safetensors');
    expect(stderr).toContain(`/${formatBytes(files['model.safetensors']!.byteLength)}`);
    expect(stderr).toMatch(/eta \S+/);
  });

  it('explains a gated repo, an unknown repo and an unknown revision', async () => {
    const gated = await run(['attribute', '-m', 'org/gated-gpt2', '-i', 'The cat']);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toMatch(/error: org\/gated-gpt2 is gated or private \(HTTP 401\): set HF_TOKEN/);
    vi.stubEnv('HF_TOKEN', 'hf_cli_test');
    expect((await run(['attribute', '-m', 'org/gated-gpt2', '-i', 'The cat', '-g', 'The cat sat', '--hide'])).code).toBe(0);
    const unknown = await run(['attribute', '-m', 'org/missing', '-i', 'The cat']);
    expect(unknown.stderr).toMatch(/error: No such repo 'org\/missing'/);
    const revision = await run(['attribute', '-m', 'org/tiny-gpt2', '--revision', 'v404', '-i', 'The cat']);
    expect(revision.stderr).toMatch(/error: No such revision 'v404' in org\/tiny-gpt2/);
  });

  it('warns that --revision does not apply to a local folder', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'inseq-cli-local-'));
    try {
      await writeTinyGpt2(folder);
      const { code, stderr } = await run(['attribute', '-m', folder, '--revision', 'v1', '-i', 'The cat', '-g', 'The cat sat', '--hide']);
      expect(code).toBe(0);
      expect(stderr).toContain(`warning: --revision applies to Hub ids; '${folder}' is a local folder`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('formats byte counts as the Hub does', () => {
    expect([formatBytes(12), formatBytes(1500), formatBytes(273_576), formatBytes(5_000_000_000)]).toEqual(['12 B', '1.50 kB', '273.6 kB', '5.00 GB']);
  });
});
