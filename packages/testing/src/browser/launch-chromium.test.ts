import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestSkipReason, findChromium } from './find-chromium';
import { launchChromium } from './launch-chromium';
import { recordPageRequests, requestsOutside } from './page-requests';
import { type StaticServer, startStaticServer } from './static-server';

describe('findChromium', () => {
  it('prefers INSEQ_CHROMIUM and says how to fix a wrong one', () => {
    expect(findChromium({ INSEQ_CHROMIUM: process.execPath })).toEqual({ path: process.execPath });
    expect(findChromium({ INSEQ_CHROMIUM: '/nowhere/chromium' })).toEqual({ reason: expect.stringContaining('no file is there') });
  });

  it('skips locally but never under CI when Chromium is missing', () => {
    expect(browserTestSkipReason({ INSEQ_CHROMIUM: '/nowhere/chromium' })).toMatch(/no file is there/);
    expect(browserTestSkipReason({ INSEQ_CHROMIUM: '/nowhere/chromium', CI: 'true' })).toBeUndefined();
  });

  it('names apt-get install chromium when launching without a binary', async () => {
    const saved = process.env.INSEQ_CHROMIUM;
    process.env.INSEQ_CHROMIUM = '/nowhere/chromium';
    try {
      await expect(launchChromium()).rejects.toThrow(/INSEQ_CHROMIUM/);
    } finally {
      if (saved === undefined) delete process.env.INSEQ_CHROMIUM;
      else process.env.INSEQ_CHROMIUM = saved;
    }
    expect(findChromium({}, '/nowhere/chromium')).toEqual({ reason: expect.stringContaining('apt-get install chromium') });
  });

  it('flags requests that leave the origin', () => {
    const origin = 'http://127.0.0.1:8080';
    const urls = [`${origin}/a.js`, 'data:text/plain,x', `blob:${origin}/id`, 'https://example.com/x.wasm'];
    expect(requestsOutside(urls, origin)).toEqual(['https://example.com/x.wasm']);
  });
});

const skipReason = browserTestSkipReason();
if (skipReason !== undefined) console.warn(`Skipping headless Chromium tests: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('launchChromium (headless Chromium)', () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer({
      '/index.html': '<!doctype html><script type="module" src="/main.mjs"></script>',
      '/main.mjs': 'const r = await fetch("/data.json"); window.__result = (await r.json()).answer;',
      '/data.json': '{"answer": 42}',
    });
  });
  afterAll(() => server?.close());

  it('loads a page from the static server, runs its module and makes no request elsewhere', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const urls = recordPageRequests(page);
      await page.goto(server.url('/index.html'));
      await page.waitForFunction(() => (window as { __result?: number }).__result !== undefined);
      expect(await page.evaluate(() => (window as { __result?: number }).__result)).toBe(42);
      expect(urls).toEqual([server.url('/index.html'), server.url('/main.mjs'), server.url('/data.json')]);
      expect(requestsOutside(urls, server.origin)).toEqual([]);
      expect(server.requests).toEqual(expect.arrayContaining(['/index.html', '/main.mjs', '/data.json']));
    } finally {
      await browser.close();
    }
  });

  it.runIf(process.platform === 'linux')('pins Chromium and every process it starts to the CPUs asked for', async () => {
    await expect(launchChromium({ cpus: '0; rm -rf /' })).rejects.toThrow(/is not a CPU list: give 'all' or a taskset list/);
    const marker = `--inseq-pin-test=${process.pid}-${Date.now()}`;
    const browser = await launchChromium({ cpus: '0', args: [marker] });
    try {
      const page = await browser.newPage();
      await page.goto(server.url('/index.html'));
      // Chromium's processes (browser, zygote, renderer, …) pass the unknown flag on, or descend from one that has it.
      const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((pid) => {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          return cmdline.includes(marker) ? [/Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]] : [];
        } catch {
          return [];
        }
      });
      expect(processes.length).toBeGreaterThan(0);
      expect(new Set(processes)).toEqual(new Set(['0']));
    } finally {
      await browser.close();
    }
  });
});
