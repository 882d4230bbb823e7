import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inseqAttribute, openQueue, runWorker } from '@inseq/queue';
import { redisTestSkipReason, startRedis } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRequestModel } from './commands/worker-command';
import { runCaptured as run } from './run-captured.test-support';

const tinyModel = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'tiny-gpt2');
const stable = (text: string) => text.replace(/"exec_time":[0-9.e+-]+/g, '"exec_time":0');
const skipReason = redisTestSkipReason();

describe.skipIf(skipReason !== undefined)('inseq attribute-dataset --queue (a worker in this process)', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let folder: string;
  let data: string;
  beforeAll(async () => {
    redis = await startRedis();
    folder = await mkdtemp(join(tmpdir(), 'inseq-cli-queue-'));
    data = join(folder, 'data.jsonl');
    writeFileSync(data, `${Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `the cat ${i}`, more: `the cat ${i} sat on` })).join('\n')}\n`);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const args = (out: string, ...more: string[]) => [
    'attribute-dataset', '-m', tinyModel, '-d', data, '--input-text-field', 'text', '--generated-text-field', 'more', '--batch-size', '1', '-o', out, ...more,
  ];

  it('writes what a local run writes, once per example, and a resumed run enqueues only the rest', async () => {
    const local = join(folder, 'local.jsonl');
    expect((await run(...args(local))).code).toBe(0);
    const worker = await runWorker({ connection: redis.url, concurrency: 2, attribute: inseqAttribute({ loadModel: loadRequestModel }) });
    try {
      const queued = join(folder, 'queued.jsonl');
      const first = await run(...args(queued, '--queue', redis.url));
      expect(first.stderr).toContain('Wrote 5 example(s)');
      expect(first.code).toBe(0);
      // Results arrive in completion order: sorted by index they are the local run's lines.
      const sorted = (text: string) => text.trimEnd().split('\n').sort((a, b) => JSON.parse(a).index - JSON.parse(b).index).join('\n');
      expect(stable(sorted(readFileSync(queued, 'utf8')))).toBe(stable(sorted(readFileSync(local, 'utf8'))));
      // Cut to two lines: --resume enqueues and writes the other three only.
      const kept = readFileSync(queued, 'utf8').split('\n').slice(0, 2);
      writeFileSync(queued, `${kept.join('\n')}\n`);
      const resumed = await run(...args(queued, '--queue', redis.url, '--resume'));
      expect(resumed.stderr).toContain('Wrote 3 example(s)');
      expect(resumed.stderr).toContain('(2 already there)');
      expect(stable(sorted(readFileSync(queued, 'utf8')))).toBe(stable(sorted(readFileSync(local, 'utf8'))));
      const queue = await openQueue(redis.url);
      // Five jobs in all: the resumed run's ids were already there.
      expect(await queue.getJobCountByTypes('completed', 'waiting', 'active', 'failed', 'delayed')).toBe(5);
      await queue.close();
    } finally {
      await worker.close();
    }
  }, 90_000);

  it('says which flags the workers cannot carry, and names an unreachable Redis', async () => {
    const out = join(folder, 'refused.jsonl');
    const refused = await run(...args(out, '--queue', redis.url, '--start-pos', '1'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--start-pos cannot be used with --queue yet/);
    const unreachable = await run(...args(join(folder, 'other.jsonl'), '--queue', 'redis://127.0.0.1:1'));
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/redis:\/\/127\.0\.0\.1:1/);
  }, 30_000);
});
