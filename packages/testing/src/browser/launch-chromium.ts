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
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: [...baseArgs, ...(options?.webgpu ? webgpuArgs : ['--disable-gpu']), ...(options?.args ?? [])],
  });
}
