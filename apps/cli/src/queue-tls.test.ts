import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisTestSkipReason, startRedis } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const tinyModel = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'tiny-gpt2');
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = redisTestSkipReason() ?? (hasOpenssl ? undefined : 'no openssl to make the test certificates');

function runBin(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(skip !== undefined)('a rediss:// (TLS) queue: producer and worker as spawned CLI processes', () => {
  let folder: string;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'inseq-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'ignore' });
    // A test CA and a server certificate for 127.0.0.1 signed by it.
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=inseq test CA');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(folder, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
    redis = await startRedis({ password: 'tls-pass', tls: { certFile: join(folder, 'server.crt'), keyFile: join(folder, 'server.key'), caFile: join(folder, 'ca.crt') } });
    writeFileSync(join(folder, 'data.jsonl'), `${['the cat', 'a dog', 'the mat'].map((text) => JSON.stringify({ text })).join('\n')}\n`);
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs over TLS when the CA is trusted (NODE_EXTRA_CA_CERTS), and refuses an untrusted server with a clear error', async () => {
    const trusted = { NODE_EXTRA_CA_CERTS: join(folder, 'ca.crt') };
    const url = redis.tlsUrl as string;
    const args = (out: string) => ['attribute-dataset', '-m', tinyModel, '-d', join(folder, 'data.jsonl'), '--input-text-field', 'text', '--max-new-tokens', '2', '-o', out, '--queue', url, '--queue-name', 'tls'];
    const untrusted = await runBin(args(join(folder, 'untrusted.jsonl')), {});
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^error: cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(.*(certificate|self.signed).*\)/m);
    expect(untrusted.stderr).not.toContain('tls-pass');
    const worker = spawn(process.execPath, [bin, 'worker', '--queue', url, '--queue-name', 'tls'], { env: { ...process.env, ...trusted }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const out = join(folder, 'out.jsonl');
      const producer = await runBin(args(out), trusted);
      expect(producer.stderr).toContain('Wrote 3 example(s)');
      expect(producer.code).toBe(0);
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines.map((line) => line.index).sort()).toEqual([0, 1, 2]);
    } finally {
      worker.kill('SIGTERM');
    }
  }, 120_000);
});
