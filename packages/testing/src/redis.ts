import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

/** Where Debian's `redis-server` package installs the server (CI installs it with apt). */
export const debianRedisServerPath = '/usr/bin/redis-server';

export interface StartRedisOptions {
  /** `requirepass`: clients must AUTH with this password (default user). */
  readonly password?: string;
  /** The server binary (default: REDIS_SERVER, then /usr/bin/redis-server). */
  readonly binary?: string;
  /** Also listen with TLS on another port (PEM files); the instance's `tlsUrl` is its `rediss://` URL. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
}

export interface RedisInstance {
  /** `redis://[:password@]127.0.0.1:port`. */
  readonly url: string;
  readonly port: number;
  /** `rediss://[:password@]127.0.0.1:tlsPort`, when started with `tls`. */
  readonly tlsUrl?: string;
  /** SHUTDOWN NOSAVE, then waits for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL, at once. */
  kill(): void;
}

function redisBinary(env: Readonly<Record<string, string | undefined>>, binary?: string): string | undefined {
  const path = binary ?? env.REDIS_SERVER ?? debianRedisServerPath;
  return existsSync(path) ? path : undefined;
}

/** Why the Redis tests skip here (no redis-server), or undefined when they run; they never skip under CI. */
export function redisTestSkipReason(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (redisBinary(env) !== undefined || (env.CI ?? '') !== '') return undefined;
  return `no redis-server at ${env.REDIS_SERVER ?? debianRedisServerPath} (install it with 'apt-get install redis-server', or set REDIS_SERVER)`;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and resolves with the first reply line. */
function command(port: number, line: string, password?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(`${password === undefined ? '' : `AUTH ${password}\r\n`}${line}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const lines = data.split('\r\n').filter((l) => l !== '');
      if (lines.length >= (password === undefined ? 1 : 2)) {
        socket.end();
        resolve(lines[lines.length - 1] ?? '');
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data.trim()));
  });
}

/**
 * Starts Debian's redis-server on a free loopback port, without persistence, and waits until it
 * answers PING. Tests call `stop()` (or `kill()`) in their `afterAll`.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisInstance> {
  const binary = redisBinary(process.env, options.binary);
  if (binary === undefined) {
    throw new Error(
      `redis-server not found at ${options.binary ?? process.env.REDIS_SERVER ?? debianRedisServerPath}: install it with 'apt-get install redis-server' (or set REDIS_SERVER to its path).`,
    );
  }
  const port = await freePort();
  const args = ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--loglevel', 'warning'];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const tlsPort = options.tls === undefined ? undefined : await freePort();
  if (options.tls !== undefined) {
    const { certFile, keyFile, caFile } = options.tls;
    args.push('--tls-port', String(tlsPort), '--tls-cert-file', certFile, '--tls-key-file', keyFile, '--tls-ca-cert-file', caFile, '--tls-auth-clients', 'no');
  }
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode}) before answering PING: ${stderr.trim()}`);
    const reply = await command(port, 'PING', options.password).catch(() => '');
    if (reply === '+PONG') break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    ...(tlsPort !== undefined && { tlsUrl: `rediss://${auth}127.0.0.1:${tlsPort}` }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await command(port, 'SHUTDOWN NOSAVE', options.password).catch(() => '');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
