import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { findChromium } from './find-chromium';

/** Options of {@link launchChromium}. */
export interface LaunchChromiumOptions {
  /**
   * Ask for WebGPU: the GPU process stays on and WebGPU runs on SwiftShader (Vulkan on the CPU)
   * where this Chromium build has it. Whether an adapter exists is only known in the page:
   * check `navigator.gpu.requestAdapter()`.
   * @defaultValue `false` (`--disable-gpu`)
   */
  readonly webgpu?: boolean;
  /** More Chromium flags, after the defaults. @defaultValue none */
  readonly args?: readonly string[];
  /** The binary. @defaultValue {@link findChromium}'s answer */
  readonly executablePath?: string;
  /**
   * The CPUs Chromium may run on, as a `taskset` list (`'1'`, `'0-3'`), or `'all'`. Pinned to one
   * CPU, Chromium leaves the others to the test files running beside it: SwiftShader (the software
   * GPU) and V8's compiler threads otherwise spread over every core and spin there (measured on 2
   * cores: `pnpm test` 258 s unpinned, 229 s pinned).
   * @defaultValue `INSEQ_CHROMIUM_CPUS`, else the last CPU where Linux's `taskset` exists and there
   * are several, else `'all'`
   */
  readonly cpus?: string;
}

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps opening
 * connections to Google's hosts, which this machine refuses. Playwright adds a fresh temporary
 * `--user-data-dir` to every launch.
 */
const baseArgs = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

const webgpuArgs = Object.freeze([
  '--enable-unsafe-webgpu',
  '--enable-webgpu-developer-features',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-gpu-compositing',
]);

/**
 * Starts headless Chromium (Debian's, see {@link findChromium}) through playwright-core, which is
 * loaded only here so ordinary tests never import it.
 *
 * @throws Error naming the missing binary and `apt-get install chromium` when there is no Chromium.
 */
export async function launchChromium(options?: LaunchChromiumOptions): Promise<Browser> {
  let executablePath = options?.executablePath;
  if (executablePath === undefined) {
    const found = findChromium();
    if (found.path === undefined) throw new Error(found.reason);
    executablePath = found.path;
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: pinned(executablePath, options?.cpus ?? process.env.INSEQ_CHROMIUM_CPUS ?? defaultCpus()),
    headless: true,
    chromiumSandbox: false,
    args: [...baseArgs, ...(options?.webgpu ? webgpuArgs : ['--disable-gpu']), ...(options?.args ?? [])],
  });
}

let tasksetFound: boolean | undefined;

/** The last CPU where `taskset` can pin to it, else `'all'`. */
function defaultCpus(): string {
  tasksetFound ??= process.platform === 'linux' && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  const count = availableParallelism();
  return tasksetFound && count > 1 ? String(count - 1) : 'all';
}

/**
 * `executablePath` itself for `'all'`, else a shell script (written once per binary and CPU list)
 * that execs it under `taskset`: Playwright starts the binary it is given, and every process
 * Chromium starts inherits the affinity. Where the user may (root, CAP_SYS_NICE), the script also
 * raises Chromium's priority a little (nice −5): on its CPU it shares time with the Node test
 * workers, and the browser suite is the longest file of the run; elsewhere renice fails quietly.
 */
function pinned(executablePath: string, cpus: string): string {
  if (cpus === 'all') return executablePath;
  if (!/^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/.test(cpus)) {
    throw new Error(`INSEQ_CHROMIUM_CPUS / cpus '${cpus}' is not a CPU list: give 'all' or a taskset list such as '1' or '0-3'.`);
  }
  const key = `${executablePath}:${cpus}`.replace(/[^A-Za-z0-9]+/g, '-');
  const script = join(tmpdir(), `inseq-chromium-v2-${process.getuid?.() ?? 0}-${key}.sh`);
  if (!existsSync(script)) {
    const quoted = `'${executablePath.replaceAll("'", "'\\''")}'`;
    const partial = `${script}.${process.pid}`;
    writeFileSync(partial, `#!/bin/sh\nrenice -n -5 -p $$ >/dev/null 2>&1\nexec taskset -c ${cpus} ${quoted} "$@"\n`);
    chmodSync(partial, 0o755);
    // Renamed into place, so a launch in another worker never runs a half-written script.
    renameSync(partial, script);
  }
  return script;
}
