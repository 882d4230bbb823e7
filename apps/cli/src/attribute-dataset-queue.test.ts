import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openQueue, runWorker } from '@inseq/queue';
import { redisTestSkipReason, startRedis } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerAttribute } from './commands/worker-command';
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
    const worker = await runWorker({ connection: redis.url, concurrency: 2, attribute: workerAttribute() });
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

  it('carries --start-pos, --eos, --scores-precision and --plugin to the workers: the same lines as a local run; names an unreachable Redis', async () => {
    const plugin = fileURLToPath(new URL('../../../examples/custom-plugin/src/index.ts', import.meta.url));
    const flags = ['--start-pos', '1', '--eos', '--scores-precision', 'float16', '--plugin', plugin, '-a', 'gradient_norm', '--step-scores', 'target_rank', 'probability'];
    const local = join(folder, 'flags-local.jsonl');
    expect((await run(...args(local, ...flags))).code).toBe(0);
    const worker = await runWorker({ connection: redis.url, queueName: 'flags', attribute: workerAttribute() });
    try {
      const queued = join(folder, 'flags-queued.jsonl');
      const result = await run(...args(queued, ...flags, '--queue', redis.url, '--queue-name', 'flags'));
      expect(result.stderr).toContain('Wrote 5 example(s)');
      const sorted = (text: string) => text.trimEnd().split('\n').sort((a, b) => JSON.parse(a).index - JSON.parse(b).index).join('\n');
      expect(stable(sorted(readFileSync(queued, 'utf8')))).toBe(stable(sorted(readFileSync(local, 'utf8'))));
      const first = JSON.parse(readFileSync(queued, 'utf8').split('\n')[0]).output;
      expect(first.info.attribution_method).toBe('gradient_norm');
      expect(first.info.include_eos_baseline).toBe(true);
      expect(first.sequence_attributions[0].attr_pos_start).toBe(1);
      expect(JSON.stringify(first)).toContain('float16');
    } finally {
      await worker.close();
    }
    const unreachable = await run(...args(join(folder, 'other.jsonl'), '--queue', 'redis://127.0.0.1:1'));
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/redis:\/\/127\.0\.0\.1:1/);
  }, 30_000);
});
