import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { outputFromJson } from '@inseq/core';
import { type AttributionRequest, collectResults, enqueueExamples, inseqAttribute, jobIdOf, openQueue, type QueueJobData } from '@inseq/queue';
import { maxAbsDiff, type RedisInstance, redisTestSkipReason, startRedis } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRequestModel } from './commands/worker-command';
import { runCli } from './run-cli';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const tinyGpt2 = fileURLToPath(new URL('../../../models/tiny-gpt2', import.meta.url));
const skip = redisTestSkipReason();

interface Spawned {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function spawnWorker(url: string, queueName: string): Spawned {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--queue-name', queueName, '--lock-duration', '1500', '--stalled-interval', '500'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawned: Spawned = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (chunk) => {
    spawned.stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk) => {
    spawned.stderr += chunk.toString();
  });
  return spawned;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every number of an output's attributions and step scores, in a fixed order (info, which holds timings, left out). */
function numbers(json: string): number[] {
  const out: number[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'number') out.push(value);
    else if (ArrayBuffer.isView(value)) out.push(...Array.from(value as unknown as ArrayLike<number>));
    else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) if (key !== 'info') walk(item);
  };
  walk(outputFromJson(json).sequence_attributions);
  return out;
}

const doneJobIds = (stdout: string) => [...stdout.matchAll(/^done (\S+) \(example (\d+)\)/gm)].map((m) => m[1] as string);

describe.skipIf(skip !== undefined)('inseq worker (spawned CLI processes, real redis-server)', () => {
  let redis: RedisInstance;
  const workers: Spawned[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await redis?.stop();
  });

  it('a worker killed mid-job: its job is retried by the other; every example once, equal to an in-process run', async () => {
    const queueName = 'kill';
    const fingerprint = 'tiny-ig';
    const request: AttributionRequest = {
      model: tinyGpt2,
      backend: 'tfjs',
      method: 'integrated_gradients',
      attributionArgs: { n_steps: 8 },
      stepScores: ['probability'],
      maxNewTokens: 2,
      delayMs: 400,
    };
    const examples = ['Hello world', 'The cat sat', 'A tiny model', 'Queues retry'].map((inputText, index) => ({ index, inputText }));
    const a = spawnWorker(redis.url, queueName);
    const b = spawnWorker(redis.url, queueName);
    workers.push(a, b);
    await until(() => a.stdout.includes('worker ready') && b.stdout.includes('worker ready'), 'both workers ready');
    const { indexes, added } = await enqueueExamples({ connection: redis.url, queueName, fingerprint, job: request, examples });
    expect(added).toBe(4);
    const queue = await openQueue(redis.url, queueName);
    // Both workers busy: one of the two active jobs is a's, which then dies with it.
    let activeAtKill: string[] = [];
    await until(async () => {
      activeAtKill = (await queue.getActive()).map((job) => job.id ?? '');
      return activeAtKill.length === 2;
    }, 'two active jobs');
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe(null);
    const results = new Map<number, string[]>();
    const started = Date.now();
    const summary = await collectResults({
      connection: redis.url,
      queueName,
      fingerprint,
      indexes,
      onResult: (index, json) => void results.set(index, [...(results.get(index) ?? []), json]),
    });
    const collectMs = Date.now() - started;
    expect(summary.failed).toEqual([]);
    expect([...results.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const list of results.values()) expect(list).toHaveLength(1);
    // b finished both jobs active at the kill, a's included (retried after its lock expired).
    const byA = doneJobIds(a.stdout);
    const byB = doneJobIds(b.stdout);
    for (const id of activeAtKill) expect(byB).toContain(id);
    expect(new Set([...byA, ...byB])).toEqual(new Set(indexes.map((i) => jobIdOf(fingerprint, i))));
    const stalled = (await Promise.all(activeAtKill.map((id) => queue.getJob(id)))).filter((job) => (job?.stalledCounter ?? 0) > 0);
    expect(stalled).toHaveLength(1);
    await queue.close();
    console.info(`collected 4 examples in ${collectMs} ms after the kill; a finished ${byA.length}, b ${byB.length}`);

    // The same examples attributed in this process, without the queue.
    const local = inseqAttribute({ loadModel: loadRequestModel });
    try {
      for (const example of examples) {
        const expected = numbers(await local({ fingerprint, example, request: { ...request, delayMs: undefined } } satisfies QueueJobData));
        const got = numbers(results.get(example.index)?.[0] ?? '');
        expect(got.length).toBe(expected.length);
        expect(got.length).toBeGreaterThan(10);
        // NaN marks the cells Inseq leaves empty (future positions): the same cells on both sides.
        expect(got.map(Number.isNaN)).toEqual(expected.map(Number.isNaN));
        const finite = (list: number[]) => list.filter((value) => !Number.isNaN(value));
        expect(finite(got).length).toBeGreaterThan(10);
        expect(maxAbsDiff(finite(got), finite(expected))).toBeLessThan(1e-5);
      }
    } finally {
      await local.dispose();
    }

    // SIGTERM: b closes gracefully.
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(b.stdout).toContain('worker stopped');
  });

  it('unreachable Redis: exit code 1 and a clear message, fast', async () => {
    const started = Date.now();
    let stderr = '';
    const code = await runCli(['worker', '--queue', 'redis://:pw@127.0.0.1:1'], { stdout: { write: () => true }, stderr: { write: (t: string) => {
      stderr += t;
      return true;
    } } });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 .*check that redis-server is running/);
  });
});
