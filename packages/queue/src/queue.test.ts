import { freePort, type RedisInstance, redisTestSkipReason, startRedis } from '@inseq/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttributionRequest,
  checkRedisConnection,
  collectResults,
  enqueueExamples,
  jobIdOf,
  parseRedisUrl,
  QueueConnectionError,
  redactRedisUrl,
  runWorker,
} from './index';

const skip = redisTestSkipReason();
const request: AttributionRequest = { model: 'stand-in', method: 'saliency' };
const examples = (n: number) => Array.from({ length: n }, (_, index) => ({ index, inputText: `text ${index}` }));
/** A stand-in attribution whose result is checkable: the text's char codes summed. */
const fakeOutput = (text: string) => JSON.stringify({ text, sum: [...text].reduce((s, c) => s + c.charCodeAt(0), 0) });

describe('parseRedisUrl', () => {
  it('parses user, password, db and TLS; redacts the password', () => {
    expect(parseRedisUrl('redis://u:p%40ss@h.example:6380/2')).toEqual({
      host: 'h.example',
      port: 6380,
      username: 'u',
      password: 'p@ss',
      db: 2,
      maxRetriesPerRequest: null,
    });
    expect(parseRedisUrl('rediss://h:1')).toMatchObject({ tls: { servername: 'h' }, port: 1 });
    expect(parseRedisUrl('redis://h')).toMatchObject({ port: 6379 });
    expect(redactRedisUrl('redis://:secret@h:1')).toBe('redis://:***@h:1');
    expect(() => parseRedisUrl('http://h:1')).toThrow(/unsupported scheme 'http:'.*redis:\/\//);
    expect(() => parseRedisUrl('redis://h:1/x')).toThrow(/database 'x'/);
    expect(() => parseRedisUrl('not a url')).toThrow(QueueConnectionError);
  });
});

describe.skipIf(skip !== undefined)('queue on a real redis-server', () => {
  let redis: RedisInstance;
  let secured: RedisInstance;
  beforeAll(async () => {
    [redis, secured] = await Promise.all([startRedis(), startRedis({ password: 's3cret' })]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), secured?.stop()]);
  });

  it('unreachable Redis: a clear error within seconds naming the URL without its password', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await checkRedisConnection(`redis://:hidden@127.0.0.1:${port}`).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(error).toBeInstanceOf(QueueConnectionError);
    expect(error.message).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${port}`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toMatch(/check that redis-server is running/);
    expect(error.message).not.toContain('hidden');
    await expect(enqueueExamples({ connection: `redis://127.0.0.1:${port}`, fingerprint: 'f', job: request, examples: examples(1) })).rejects.toThrow(
      QueueConnectionError,
    );
  });

  it('auth: the password in the URL works; a wrong or missing one is a clear error', async () => {
    await expect(checkRedisConnection(secured.url)).resolves.toMatchObject({ password: 's3cret' });
    const wrong = `redis://:nope@127.0.0.1:${secured.port}`;
    await expect(checkRedisConnection(wrong)).rejects.toThrow(/refused the credentials.*check the user and password/);
    await expect(checkRedisConnection(wrong)).rejects.not.toThrow(/nope/);
    await expect(checkRedisConnection(`redis://127.0.0.1:${secured.port}`)).rejects.toThrow(/requires a password/);
    // A whole round trip through the protected server.
    const worker = await runWorker({ connection: secured.url, queueName: 'auth', attribute: async (d) => fakeOutput(d.example.inputText) });
    const { indexes } = await enqueueExamples({ connection: secured.url, queueName: 'auth', fingerprint: 'fa', job: request, examples: examples(3) });
    const got = new Map<number, string>();
    await collectResults({ connection: secured.url, queueName: 'auth', fingerprint: 'fa', indexes, onResult: (i, json) => void got.set(i, json) });
    await worker.close();
    expect([...got.keys()].sort()).toEqual([0, 1, 2]);
    expect(got.get(2)).toBe(fakeOutput('text 2'));
  });

  it('re-enqueueing the same dataset adds no job; skip leaves indexes out', async () => {
    const queueName = 'idem';
    const first = await enqueueExamples({ connection: redis.url, queueName, fingerprint: 'ds:v1', job: request, examples: examples(5) });
    const again = await enqueueExamples({ connection: redis.url, queueName, fingerprint: 'ds:v1', job: request, examples: examples(5) });
    const skipped = await enqueueExamples({ connection: redis.url, queueName, fingerprint: 'ds:v1', job: request, examples: examples(7), skip: new Set([0, 1, 2, 3, 4, 5]) });
    expect(first).toEqual({ indexes: [0, 1, 2, 3, 4], added: 5 });
    expect(again).toEqual({ indexes: [0, 1, 2, 3, 4], added: 0 });
    expect(skipped).toEqual({ indexes: [6], added: 1 });
    const queue = new Queue(queueName, { connection: parseRedisUrl(redis.url) });
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 6 });
    expect((await queue.getJob(jobIdOf('ds:v1', 3)))?.data.example).toEqual({ index: 3, inputText: 'text 3' });
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('producer restarted midway: resumes, no duplicates, nothing lost; failures surface with their message', async () => {
    const queueName = 'restart';
    const n = 12;
    const worker = await runWorker({
      connection: redis.url,
      queueName,
      concurrency: 2,
      attribute: async (d) => {
        await new Promise((r) => setTimeout(r, 40));
        if (d.example.inputText === 'boom') throw new Error('model exploded on purpose');
        return fakeOutput(d.example.inputText);
      },
    });
    const items = [...examples(n), { index: n, inputText: 'boom' }];
    const { indexes } = await enqueueExamples({ connection: redis.url, queueName, fingerprint: 'r', job: request, examples: items, attempts: 1 });
    const got: [number, string][] = [];
    const controller = new AbortController();
    const first = collectResults({
      connection: redis.url,
      queueName,
      fingerprint: 'r',
      indexes,
      signal: controller.signal,
      onResult: (i, json) => {
        got.push([i, json]);
        if (got.length === 3) controller.abort(new Error('producer stopped'));
      },
    });
    await expect(first).rejects.toThrow('producer stopped');
    const seen = got.length;
    // Jobs keep completing while no producer listens.
    await new Promise((r) => setTimeout(r, 400));
    const progress: number[] = [];
    const summary = await collectResults({
      connection: redis.url,
      queueName,
      fingerprint: 'r',
      indexes: indexes.filter((i) => !got.some(([j]) => j === i)),
      onResult: (i, json) => void got.push([i, json]),
      onProgress: (p) => progress.push(p.done + p.failed),
    });
    await worker.close();
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(got.map(([i]) => i).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    for (const [i, json] of got) expect(json).toBe(fakeOutput(`text ${i}`));
    expect(summary.failed).toEqual([{ index: n, message: 'model exploded on purpose' }]);
    expect(progress.at(-1)).toBe(n + 1 - seen);
    // An index that was never enqueued is reported, not waited for forever.
    const missing = await collectResults({ connection: redis.url, queueName, fingerprint: 'r', indexes: [99], onResult: () => {} });
    expect(missing.failed).toEqual([{ index: 99, message: 'job r.99 is not in the queue (never enqueued, or removed); enqueue the example again' }]);
  });
});
