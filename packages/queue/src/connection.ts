import { InseqError } from '@inseq/core';
import { Redis, type RedisOptions } from 'ioredis';

/** A Redis connection problem: unreachable server, refused password, bad URL. The message names the URL without its password. */
export class QueueConnectionError extends InseqError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'INVALID_ARGUMENT', cause });
    this.name = 'QueueConnectionError';
  }
}

/** The URL with its password replaced by `***`, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparsable URL>';
  }
}

/**
 * `redis://[user:pass@]host:port[/db]` or `rediss://…` (TLS) → ioredis options, with
 * `maxRetriesPerRequest: null` as BullMQ workers require.
 */
export function parseRedisUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueConnectionError(`--queue: '${url}' is not a URL; expected redis://[user:password@]host:port[/db] or rediss://… (TLS).`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new QueueConnectionError(`--queue: unsupported scheme '${parsed.protocol}' in ${redactRedisUrl(url)}; expected redis:// or rediss:// (TLS).`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new QueueConnectionError(`--queue: database '${db}' in ${redactRedisUrl(url)} must be a number (redis://host:port/0).`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host: host === '' ? '127.0.0.1' : host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username !== '' && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== '' && { password: decodeURIComponent(parsed.password) }),
    ...(db !== '' && { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' && { tls: { servername: host } }),
    maxRetriesPerRequest: null,
  };
}

/** Explains a connection failure: what went wrong at which URL, and what to check. */
export function explainRedisError(url: string, error: unknown): QueueConnectionError {
  const message = (error as Error)?.message ?? String(error);
  const where = redactRedisUrl(url);
  if (/WRONGPASS|invalid username-password|invalid password/i.test(message)) {
    return new QueueConnectionError(`Redis at ${where} refused the credentials (${message.trim()}); check the user and password in the URL.`, error);
  }
  if (/NOAUTH|Authentication required/i.test(message)) {
    return new QueueConnectionError(`Redis at ${where} requires a password; put it in the URL: redis://:password@host:port.`, error);
  }
  return new QueueConnectionError(
    `cannot reach Redis at ${where} (${message.trim() || 'connection failed'}); check that redis-server is running there, that the host and port are right, and that a firewall lets the connection through (rediss:// for a TLS server).`,
    error,
  );
}

/**
 * Connects once, with no reconnect loop, and PINGs: fails within `timeoutMs` with a
 * {@link QueueConnectionError} rather than letting ioredis retry forever.
 */
export async function checkRedisConnection(url: string, timeoutMs = 3000): Promise<RedisOptions> {
  const options = parseRedisUrl(url);
  const client = new Redis({ ...options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError: unknown;
  client.on('error', (error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
    return options;
  } catch (error) {
    // With no reconnect, connect() rejects with 'Connection is closed'; the 'error' event holds the cause (ECONNREFUSED, ENOTFOUND…).
    throw explainRedisError(url, /Connection is closed/.test(String(error)) && lastError !== undefined ? lastError : error);
  } finally {
    client.disconnect();
  }
}
