#!/usr/bin/env node
// Packs every published package of the workspace (`pnpm pack`: runs each package's prepack, which
// builds dist with declarations, and rewrites `workspace:` ranges into real versions), checks the
// tarballs, then installs them with npm into fresh projects outside the repository and runs what
// an outside user would run:
//   a) ESM TypeScript: @inseq/core + @inseq/backend-tfjs (+ @inseq/methods for saliency) and a
//      custom defineMethod plugin; `tsc --noEmit` (strict, skipLibCheck: false), then node runs it on
//      the bundled demo model with the custom method and with saliency (|custom| must equal saliency).
//   b) inseq + @inseq/backend-ort + onnxruntime-web / onnxruntime-node: loadModel on the demo
//      model's ONNX export, saliency on both ORT runtimes (they must agree).
//   c) the CLI installed globally into a temp prefix: `inseq --version`, `inseq attribute ... --viz-path`,
//      no ANSI codes on a non-TTY stdout.
// Usage: node .ci/pack-install.mjs [--keep] [--only a,b,c] [--npm-cache DIR]
// Exit status 0 only if packing and every selected recipe passed.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RECIPES = ['a', 'b', 'c'];
const TAIL_LINES = 40;

// ---------- arguments ----------
function parseArgs(argv) {
  const args = { keep: false, only: RECIPES, npmCache: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') fail(`${arg.split('=')[0]} needs a value`);
      return v;
    };
    if (arg === '--keep') args.keep = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const only = value().split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = only.filter((r) => !RECIPES.includes(r));
      if (only.length === 0 || unknown.length > 0) {
        fail(`--only takes a comma-separated list of recipes among ${RECIPES.join(', ')} (got ${JSON.stringify(only.join(','))})`);
      }
      args.only = RECIPES.filter((r) => only.includes(r));
    } else if (arg === '--npm-cache' || arg.startsWith('--npm-cache=')) args.npmCache = resolve(value());
    else if (arg === '--help' || arg === '-h') {
      console.log('Usage: node .ci/pack-install.mjs [--keep] [--only a,b,c] [--npm-cache DIR]');
      console.log('  --keep        keep the temporary folder (tarballs, recipe projects, logs)');
      console.log('  --only a,b    run only these recipes (a: TypeScript + tfjs, b: inseq + ORT, c: global CLI)');
      console.log('  --npm-cache   npm cache folder to use (default: one inside the temporary folder)');
      process.exit(0);
    } else fail(`unknown argument ${JSON.stringify(arg)}; valid: --keep, --only a,b,c, --npm-cache DIR, --help`);
  }
  return args;
}

function fail(message) {
  console.error(`pack-install: ${message}`);
  process.exit(2);
}

// ---------- processes ----------
/** npm and pnpm read npm_config_* / npm_package_* variables; a run under `pnpm pack-install` must not leak them into the outside projects. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || /^pnpm_/i.test(k) || k === 'INSEQ_NO_DTS' || k === 'FORCE_COLOR' || k === 'NO_COLOR') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

class StepError extends Error {}

function tail(text, lines = TAIL_LINES) {
  const all = text.replace(/\s+$/, '').split('\n');
  return (all.length > lines ? [`… (${all.length - lines} earlier lines)`, ...all.slice(-lines)] : all).map((l) => `      | ${l}`).join('\n');
}

/** Runs a command (no shell), returns { code, stdout, stderr, output, seconds }. */
function exec(command, args, { cwd, env, timeoutMs = 600_000 } = {}) {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, env: env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      output += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise({ code: 127, stdout, stderr, output: `${output}\n${error.message}`, seconds: (Date.now() - started) / 1000 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const extra = signal ? `\n(killed by ${signal}${signal === 'SIGKILL' ? `, over ${timeoutMs / 1000} s` : ''})` : '';
      resolvePromise({ code: code ?? 1, stdout, stderr, output: output + extra, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** One step of a recipe: prints a line, throws StepError with the output's tail when it fails. */
async function step(ctx, name, command, args, options = {}) {
  const result = await exec(command, args, options);
  ctx.log.push(`$ ${command} ${args.join(' ')}  (in ${options.cwd ?? process.cwd()})\n${result.output}`);
  const ok = result.code === 0 && (!options.check || options.check(result) === true);
  const why = result.code !== 0 ? `exit ${result.code}` : ok ? '' : options.check(result);
  console.log(`    ${ok ? 'ok  ' : 'FAIL'} ${name} (${result.seconds.toFixed(1)} s)${ok ? '' : `: ${why}`}`);
  if (!ok) {
    ctx.failedSteps.push(name);
    const shown = [command, ...args].join(' ');
    console.log(`      command: ${shown.length > 300 ? `${shown.slice(0, 300)}…` : shown}`);
    if (options.summarize) for (const line of options.summarize(result)) console.log(`      ${line}`);
    console.log(tail(result.output || '(no output)'));
    if (!options.continueOnFailure) throw new StepError(name);
  }
  return result;
}

/** `tsc` errors counted by where they are: the recipe's own files, or the installed package whose .d.ts has them. */
function tscErrorsByPackage(result) {
  const counts = new Map();
  for (const line of result.output.split('\n')) {
    const m = /^(.+?)\(\d+,\d+\): error (TS\d+)/.exec(line);
    if (!m) continue;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m[1]);
    const where = pkg ? pkg[1] : m[1];
    const entry = counts.get(where) ?? { n: 0, codes: new Set() };
    entry.n++;
    entry.codes.add(m[2]);
    counts.set(where, entry);
  }
  if (counts.size === 0) return [];
  const total = [...counts.values()].reduce((a, e) => a + e.n, 0);
  return [`${total} type errors, by file or package:`, ...[...counts].map(([where, e]) => `  ${where}: ${e.n} (${[...e.codes].join(', ')})`)];
}

/**
 * Every installed copy of a workspace package must be the packed one: a copy nested below another
 * package, or one whose manifest differs from the tarball's, would mean npm fetched it from the registry.
 */
function checkInstalledCopies(ctx, nodeModules, packed) {
  const problems = [];
  const found = [];
  const visit = (dir, depth) => {
    if (depth > 6 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of names) {
        const pkgDir = join(dir, name);
        if (packed.has(name)) {
          const installed = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
          const expected = packed.get(name).manifest;
          const key = (m) => JSON.stringify([m.name, m.version, m.description, m.dependencies ?? {}, m.repository ?? null]);
          found.push(name);
          if (key(installed) !== key(expected)) problems.push(`${relative(nodeModules, pkgDir)} is not the packed ${name} (version ${installed.version})`);
          if (depth > 0) problems.push(`${relative(nodeModules, pkgDir)}: a nested copy of ${name}`);
        }
        visit(join(pkgDir, 'node_modules'), depth + 1);
      }
    }
  };
  visit(nodeModules, 0);
  const ok = problems.length === 0;
  console.log(`    ${ok ? 'ok  ' : 'FAIL'} the ${found.length} installed workspace packages are the packed tarballs${ok ? '' : `: ${problems.join('; ')}`}`);
  if (!ok) {
    ctx.failedSteps.push('installed copies are the tarballs');
    throw new StepError('copies');
  }
}

// ---------- sizes ----------
function sizeOf(path) {
  let total = 0;
  const stack = [path];
  while (stack.length) {
    const p = stack.pop();
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    if (st.isDirectory()) for (const e of readdirSync(p)) stack.push(join(p, e));
    else total += st.blocks !== undefined ? st.blocks * 512 : st.size;
  }
  return total;
}
function human(bytes) {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

// ---------- workspace ----------
function publishedPackages() {
  const out = [];
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(repo, parent)).sort()) {
      const dir = join(repo, parent, name);
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.private) continue;
      out.push({ name: manifest.name, version: manifest.version, dir });
    }
  }
  return out;
}

/** The tarballs a project needs for `roots`: their workspace dependencies and non-optional workspace peers, transitively (npm cannot find these on the registry). */
function closure(roots, packed) {
  const needed = new Set();
  const visit = (name) => {
    if (needed.has(name)) return;
    const pkg = packed.get(name);
    if (!pkg) throw new Error(`${name} is not one of the packed packages (${[...packed.keys()].join(', ')})`);
    needed.add(name);
    const m = pkg.manifest;
    const optionalPeers = new Set(Object.entries(m.peerDependenciesMeta ?? {}).filter(([, v]) => v?.optional).map(([k]) => k));
    for (const dep of Object.keys(m.dependencies ?? {})) if (packed.has(dep)) visit(dep);
    for (const dep of Object.keys(m.peerDependencies ?? {})) if (packed.has(dep) && !optionalPeers.has(dep)) visit(dep);
  };
  for (const r of roots) visit(r);
  return [...needed].map((n) => packed.get(n).tarball);
}

/** Version of an outside dependency as a packed manifest names it (dependencies, peer or dev), else the root's devDependencies. */
function versionOf(dep, manifests) {
  for (const m of manifests) {
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      const v = m[field]?.[dep];
      if (v) return v;
    }
  }
  const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const v = root.devDependencies?.[dep];
  if (!v) throw new Error(`no version of ${dep} found in the packed manifests or the root devDependencies`);
  return v;
}

// ---------- tarball checks ----------
async function packAll(ctx, tarballDir) {
  const packages = publishedPackages();
  console.log(`pack-install: packing ${packages.length} published packages (pnpm pack runs each prepack: a turbo build with declarations)`);
  const packed = new Map();
  for (const pkg of packages) {
    const before = new Set(readdirSync(tarballDir));
    await step(ctx, `pnpm pack ${pkg.name}`, 'pnpm', ['pack', '--pack-destination', tarballDir], {
      cwd: pkg.dir,
      env: cleanEnv({ TURBO_TELEMETRY_DISABLED: '1' }),
    });
    const created = readdirSync(tarballDir).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (created.length !== 1) throw new StepError(`pnpm pack ${pkg.name} made ${created.length} tarballs in ${tarballDir}, expected one`);
    const tarball = join(tarballDir, created[0]);
    packed.set(pkg.name, { ...pkg, tarball, manifest: undefined });
  }
  // Contents: the manifest as published, LICENSE and README, built dist with declarations, nothing else.
  const problems = [];
  const rootLicense = readFileSync(join(repo, 'LICENSE'), 'utf8');
  for (const pkg of packed.values()) {
    const list = await exec('tar', ['-tzf', pkg.tarball]);
    const files = list.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    const manifestText = (await exec('tar', ['-xzOf', pkg.tarball, 'package/package.json'])).stdout;
    pkg.manifest = JSON.parse(manifestText);
    const m = pkg.manifest;
    const own = [];
    if (!files.includes('LICENSE')) own.push('no LICENSE');
    else if ((await exec('tar', ['-xzOf', pkg.tarball, 'package/LICENSE'])).stdout !== rootLicense) own.push("LICENSE differs from the repository's");
    if (!files.includes('README.md')) own.push('no README.md');
    // CHANGELOG.md (written by `changeset version`) is welcome if the packer adds it.
    const strays = files.filter((f) => !(['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md'].includes(f) || f.startsWith('dist/')));
    if (strays.length) own.push(`files outside dist: ${strays.slice(0, 5).join(', ')}`);
    const tests = files.filter((f) => /\.(test|spec|bench)\.|(^|\/)__tests__\//.test(f));
    if (tests.length) own.push(`test files: ${tests.slice(0, 5).join(', ')}`);
    if (manifestText.includes('workspace:')) own.push('package.json still has a workspace: range');
    // Every file that exports / main / types / bin points at must be in the tarball.
    const targets = new Set();
    const walk = (v) => {
      if (typeof v === 'string') targets.add(v.replace(/^\.\//, ''));
      else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    walk(m.exports);
    walk(m.main);
    walk(m.module);
    walk(m.types);
    walk(m.bin);
    for (const t of targets) if (!t.includes('*') && !files.includes(t)) own.push(`missing ${t} (named by package.json)`);
    if (!files.some((f) => f.endsWith('.d.ts'))) own.push('no .d.ts declarations (was dist built with INSEQ_NO_DTS=1?)');
    for (const field of ['repository', 'homepage', 'bugs', 'engines', 'license']) if (!m[field]) own.push(`no ${field} in package.json`);
    const size = statSync(pkg.tarball).size;
    console.log(`    ${own.length ? 'FAIL' : 'ok  '} ${relative(tarballDir, pkg.tarball)}: ${files.length} files, ${human(size)} packed${own.length ? `: ${own.join('; ')}` : ''}`);
    for (const p of own) problems.push(`${pkg.name}: ${p}`);
  }
  if (problems.length) {
    ctx.failedSteps.push('tarball contents');
    throw new StepError('tarball contents');
  }
  return packed;
}

// ---------- recipes ----------
function npmEnv(state) {
  // onnxruntime-node's postinstall downloads CUDA provider libraries from NuGet on linux/x64; only the
  // npm registry is reachable, so that download is skipped with its own documented switch (the CPU
  // binaries ship inside the npm package). No other install script is skipped.
  return cleanEnv({ npm_config_cache: state.npmCache, npm_config_update_notifier: 'false', ONNXRUNTIME_NODE_INSTALL: 'skip' });
}
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

async function newProject(state, id, packageJson) {
  const dir = await mkdtemp(join(state.tmp, `recipe-${id}-`));
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: `inseq-pack-install-${id}`, version: '0.0.0', private: true, ...packageJson }, null, 2)}\n`);
  return dir;
}

function expectLine(result, prefix) {
  const line = result.stdout.split('\n').find((l) => l.startsWith(prefix));
  return line;
}

const demoModel = () => join(repo, 'models', 'inseq-demo-gpt2');
const SENTENCE = 'The capital of France is';

const PLUGIN_TS = `import { defineMethod, definePlugin, requireTarget } from '@inseq/core';

/** signed_gradient: the raw gradient of the attributed function w.r.t. each input embedding, [batch, length, hidden]. */
export const signedGradient = defineMethod({
  name: 'signed_gradient',
  family: 'gradient',
  requires: ['gradients'],
  description: 'Gradient w.r.t. the input embeddings, signs kept (pack-install recipe).',
  options: { scale: { type: 'number', default: 1, description: 'Factor applied to every score.' } },
  async attributeStep(ctx) {
    const scale: number = ctx.options.scale;
    const { gradients } = await ctx.backend.gradients!({ ...ctx, target: requireTarget(ctx, 'signed_gradient') });
    const data = Float32Array.from(gradients.data, (g) => g * scale);
    return { attributions: { data, shape: gradients.shape } };
  },
});

export default definePlugin({
  name: 'pack-install-plugin',
  register({ methods }) {
    methods.register(signedGradient);
  },
});
`;

const MAIN_TS = `import { createHash } from 'node:crypto';
import { loadTfjsBackend } from '@inseq/backend-tfjs';
import {
  type Aggregator,
  type AttributionMethod,
  type AttributionModel,
  type FeatureAttributionOutput,
  type StepFunction,
  attribute,
  createRegistry,
  loadTokenizer,
  localModelFiles,
  readGenerationConfig,
  registerBuiltinStepFunctions,
} from '@inseq/core';
import { saliency } from '@inseq/methods';
import plugin from './plugin.js';

const [folder, sentence] = process.argv.slice(2);
if (!folder || !sentence) throw new Error('usage: node main.js <model folder> <sentence>');
const files = await localModelFiles(folder);
const model: AttributionModel = {
  name: 'inseq-demo-gpt2',
  backend: await loadTfjsBackend(files),
  tokenizer: await loadTokenizer(files),
  generationConfig: await readGenerationConfig(files),
};
const methods = createRegistry<AttributionMethod>('attribution method');
const stepFunctions = registerBuiltinStepFunctions(createRegistry<StepFunction>('step function'));
plugin.register({ methods, stepFunctions, aggregators: createRegistry<Aggregator>('aggregator') });

const custom: FeatureAttributionOutput = await attribute(model, sentence, { method: 'signed_gradient', methods, stepFunctions, maxNewTokens: 2, stepScores: ['probability'] });
const sal = await attribute(model, sentence, { method: saliency, maxNewTokens: 2 });
const a = custom.sequence_attributions[0];
const b = sal.sequence_attributions[0];
const x = a.target_attributions!.data;
const y = b.target_attributions!.data;
if (x.length !== y.length || x.length === 0) throw new Error(\`shapes differ: \${a.target_attributions!.shape} vs \${b.target_attributions!.shape}\`);
let maxDiff = 0;
let nonZero = 0;
for (let i = 0; i < x.length; i++) {
  if (Number.isNaN(x[i]) !== Number.isNaN(y[i])) throw new Error(\`NaN layout differs at \${i}\`);
  if (Number.isNaN(x[i])) continue;
  maxDiff = Math.max(maxDiff, Math.abs(Math.abs(x[i]) - y[i]));
  if (y[i] !== 0) nonZero++;
}
if (nonZero === 0) throw new Error('saliency is all zero');
if (maxDiff > 1e-6) throw new Error(\`|signed_gradient| differs from saliency by \${maxDiff}\`);
const generated = b.target.slice(b.attr_pos_start).map((t) => t.token).join('');
const checksum = createHash('sha256').update(new Uint8Array(Float32Array.from(y, (v) => (Number.isNaN(v) ? 0 : v)).buffer)).digest('hex').slice(0, 16);
console.log(\`generated: \${JSON.stringify(generated)} · probability \${Array.from(a.step_scores.probability!.data, (p) => p.toFixed(4)).join(', ')}\`);
console.log(\`RESULT shape [\${b.target_attributions!.shape}] max ||custom|-saliency| \${maxDiff.toExponential(2)} saliency checksum sha256:\${checksum}\`);
await model.backend.dispose();
`;

async function recipeA(state, ctx) {
  const { packed } = state;
  const core = packed.get('@inseq/core').manifest;
  const tarballs = closure(['@inseq/core', '@inseq/backend-tfjs', '@inseq/methods'], packed);
  const dir = await newProject(state, 'a', { type: 'module', scripts: {} });
  ctx.dir = dir;
  const deps = [`typescript@${versionOf('typescript', [])}`, `@types/node@${versionOf('@types/node', [])}`];
  await step(ctx, `npm install ${tarballs.length} tarballs + ${deps.join(' ')}`, 'npm', ['install', ...NPM_FLAGS, ...tarballs, ...deps], { cwd: dir, env: npmEnv(state) });
  checkInstalledCopies(ctx, join(dir, 'node_modules'), packed);
  await writeFile(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
          outDir: 'out',
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
  );
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src', 'plugin.ts'), PLUGIN_TS);
  await writeFile(join(dir, 'src', 'main.ts'), MAIN_TS);
  const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  // The type check is the strict one (skipLibCheck: false, so every installed .d.ts is checked too);
  // the run below is emitted without a check so that it says something even when the types fail.
  await step(ctx, 'tsc --noEmit (strict, skipLibCheck: false)', 'node', [tsc, '-p', '.', '--noEmit'], { cwd: dir, continueOnFailure: true, summarize: tscErrorsByPackage });
  await step(ctx, 'tsc emit (--noCheck) for the run', 'node', [tsc, '-p', '.', '--noEmit', 'false', '--noCheck'], { cwd: dir });
  const run = await step(ctx, `node: custom method + saliency on ${relative(repo, demoModel())} (@inseq/core ${core.version})`, 'node', ['out/main.js', demoModel(), SENTENCE], {
    cwd: dir,
    check: (r) => (expectLine(r, 'RESULT') ? true : 'no RESULT line'),
  });
  for (const line of run.stdout.trim().split('\n')) console.log(`      ${line}`);
  return { size: sizeOf(join(dir, 'node_modules')), sizeOf: 'node_modules' };
}

const MAIN_B = `import { attribute, loadModel, localModelFiles } from 'inseq';
import { loadOrtBackend } from '@inseq/backend-ort';
import { createHash } from 'node:crypto';

const [folder, sentence] = process.argv.slice(2);
const model = await loadModel(folder, { backend: 'ort' });
// The target's logit, not its probability: the demo model is ~0.9999 sure of ' Paris', where the
// gradient of the probability is a small difference of large terms and the two builds' float32
// rounding shows (~3e-3 of the largest score); the logit's gradients agree to ~1e-6.
const options = { method: 'saliency', attributedFn: 'logit', stepScores: ['probability'], maxNewTokens: 2 };
const out = await attribute(model, sentence, options);
// The same export on onnxruntime-web's wasm runtime (installed beside it), in Node.
const web = await loadOrtBackend(await localModelFiles(folder), { runtime: 'web' });
const outWeb = await attribute({ ...model, backend: web }, sentence, options);
const x = out.sequence_attributions[0].target_attributions.data;
const y = outWeb.sequence_attributions[0].target_attributions.data;
if (x.length === 0 || x.length !== y.length) throw new Error('empty or differently shaped attributions');
let maxDiff = 0, maxAbs = 0;
for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) { maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i])); maxAbs = Math.max(maxAbs, Math.abs(x[i])); }
if (!(maxAbs > 0)) throw new Error('saliency is all zero or NaN');
if (maxDiff > 1e-4 * maxAbs) throw new Error(\`onnxruntime-node and onnxruntime-web differ by \${maxDiff} (max |score| \${maxAbs})\`);
const s = out.sequence_attributions[0];
const checksum = createHash('sha256').update(new Uint8Array(Float32Array.from(x, (v) => (Number.isNaN(v) ? 0 : v)).buffer)).digest('hex').slice(0, 16);
console.log(\`generated: \${JSON.stringify(s.target.slice(s.attr_pos_start).map((t) => t.token).join(''))} · probability \${Array.from(s.step_scores.probability.data, (p) => p.toFixed(4)).join(', ')}\`);
console.log(\`RESULT shape [\${s.target_attributions.shape}] node-vs-web max diff \${maxDiff.toExponential(2)} saliency checksum sha256:\${checksum}\`);
await model.backend.dispose();
await web.dispose();
`;

async function recipeB(state, ctx) {
  const { packed } = state;
  const ort = packed.get('@inseq/backend-ort').manifest;
  const tarballs = closure(['inseq', '@inseq/backend-ort'], packed);
  const runtimes = ['onnxruntime-web', 'onnxruntime-node'].map((r) => `${r}@${versionOf(r, [ort])}`);
  const dir = await newProject(state, 'b', { type: 'module' });
  ctx.dir = dir;
  console.log('    note: onnxruntime-node installs with ONNXRUNTIME_NODE_INSTALL=skip (its postinstall would fetch CUDA libraries from NuGet, which is unreachable; CPU binaries ship in the npm package)');
  await step(ctx, `npm install ${tarballs.length} tarballs + ${runtimes.join(' ')}`, 'npm', ['install', ...NPM_FLAGS, ...tarballs, ...runtimes], { cwd: dir, env: npmEnv(state) });
  checkInstalledCopies(ctx, join(dir, 'node_modules'), packed);
  await writeFile(join(dir, 'main.mjs'), MAIN_B);
  const onnx = join(demoModel(), 'onnx', 'model.onnx');
  if (!existsSync(onnx)) throw new StepError(`no ONNX export at ${onnx}`);
  const run = await step(ctx, `node: loadModel(${relative(repo, demoModel())}, { backend: 'ort' }) + saliency on both ORT runtimes`, 'node', ['main.mjs', demoModel(), SENTENCE], {
    cwd: dir,
    check: (r) => (expectLine(r, 'RESULT') ? true : 'no RESULT line'),
  });
  for (const line of run.stdout.trim().split('\n')) console.log(`      ${line}`);
  return { size: sizeOf(join(dir, 'node_modules')), sizeOf: 'node_modules' };
}

async function recipeC(state, ctx) {
  const { packed } = state;
  const cli = packed.get('@inseq/cli').manifest;
  const tarballs = closure(['@inseq/cli'], packed);
  const prefix = await mkdtemp(join(state.tmp, 'recipe-c-prefix-'));
  const work = await mkdtemp(join(state.tmp, 'recipe-c-work-'));
  ctx.dir = prefix;
  console.log('    note: onnxruntime-node installs with ONNXRUNTIME_NODE_INSTALL=skip (its postinstall would fetch CUDA libraries from NuGet)');
  await step(ctx, `npm i -g --prefix <tmp> ${tarballs.length} tarballs`, 'npm', ['install', '-g', '--prefix', prefix, ...NPM_FLAGS, ...tarballs], { cwd: work, env: npmEnv(state) });
  checkInstalledCopies(ctx, join(prefix, 'lib', 'node_modules'), packed);
  const bin = join(prefix, 'bin', 'inseq');
  if (!existsSync(bin)) {
    ctx.failedSteps.push('bin/inseq exists');
    console.log(`    FAIL ${bin} was not created`);
    throw new StepError('bin');
  }
  const env = cleanEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH}` });
  await step(ctx, 'inseq --version', bin, ['--version'], {
    cwd: work,
    env,
    check: (r) => (r.stdout.includes(cli.version) ? true : `expected ${cli.version} in ${JSON.stringify(r.stdout.trim())}`),
  });
  const html = join(work, 'out.html');
  const attributeArgs = ['attribute', '-m', demoModel(), '-i', SENTENCE, '-a', 'saliency', '--viz-path', 'out.html'];
  const run = await step(ctx, `inseq ${attributeArgs.join(' ').replace(repo, '<repo>')}`, bin, attributeArgs, {
    cwd: work,
    env,
    check: (r) => {
      if (!existsSync(html)) return 'out.html was not written';
      const page = readFileSync(html, 'utf8');
      if (!/<html/i.test(page) || page.length < 1000) return `out.html does not look like a page (${page.length} bytes)`;
      if (r.stdout.trim() === '') return 'nothing on stdout';
      return true;
    },
  });
  // stdout is a pipe here, not a TTY, and FORCE_COLOR / NO_COLOR are unset: no escape codes at all.
  const esc = run.stdout.indexOf('\u001b');
  const noAnsi = esc === -1;
  console.log(`    ${noAnsi ? 'ok  ' : 'FAIL'} stdout (${run.stdout.length} chars, not a TTY) has no ANSI escape codes${noAnsi ? '' : `: ESC at ${esc}: ${JSON.stringify(run.stdout.slice(esc, esc + 20))}`}`);
  if (!noAnsi) {
    ctx.failedSteps.push('no ANSI on non-TTY stdout');
    throw new StepError('ansi');
  }
  console.log(`      out.html: ${human(statSync(html).size)}; stdout first line: ${JSON.stringify(run.stdout.split('\n')[0].slice(0, 100))}`);
  return { size: sizeOf(prefix), sizeOf: 'prefix' };
}

// ---------- main ----------
async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const tmp = await mkdtemp(join(tmpdir(), 'inseq-pack-install-'));
  if (!relative(repo, tmp).startsWith('..')) fail(`the temporary folder ${tmp} is inside the repository; set TMPDIR to a folder outside it`);
  const tarballDir = join(tmp, 'tarballs');
  await mkdir(tarballDir);
  const npmCache = args.npmCache ?? join(tmp, 'npm-cache');
  const npmVersion = (await exec('npm', ['--version'])).stdout.trim();
  console.log(`pack-install: node ${process.version}, npm ${npmVersion}; temp folder ${tmp}${args.keep ? ' (kept)' : ''}; npm cache ${npmCache}`);
  const results = [];
  const logs = [];
  let packed;
  const packCtx = { log: logs, failedSteps: [] };
  try {
    packed = await packAll(packCtx, tarballDir);
    results.push({ id: 'pack', ok: true, detail: `${packed.size} tarballs` });
  } catch (error) {
    if (!(error instanceof StepError)) throw error;
    results.push({ id: 'pack', ok: false, detail: `failed at: ${packCtx.failedSteps.join(', ') || error.message}` });
  }
  const state = { tmp, npmCache, packed };
  const recipes = { a: ['ESM TypeScript + @inseq/core + @inseq/backend-tfjs + custom plugin', recipeA], b: ['inseq + @inseq/backend-ort + ORT runtimes', recipeB], c: ['global @inseq/cli', recipeC] };
  for (const id of args.only) {
    const [title, run] = recipes[id];
    if (!packed) {
      results.push({ id, ok: false, detail: 'not run: packing failed' });
      continue;
    }
    console.log(`pack-install: recipe ${id}: ${title}`);
    const ctx = { log: logs, failedSteps: [] };
    const t0 = Date.now();
    try {
      const { size, sizeOf: what } = await run(state, ctx);
      const seconds = ((Date.now() - t0) / 1000).toFixed(0);
      const ok = ctx.failedSteps.length === 0;
      results.push({ id, ok, detail: `${ok ? '' : `failed: ${ctx.failedSteps.join('; ')}; `}installed ${what} ${human(size)}, ${seconds} s` });
    } catch (error) {
      const seconds = ((Date.now() - t0) / 1000).toFixed(0);
      if (!(error instanceof StepError)) {
        console.log(`    FAIL unexpected error: ${error.stack ?? error}`);
        ctx.failedSteps.push(`unexpected error: ${error.message}`);
      }
      const size = ctx.dir && existsSync(join(ctx.dir, 'node_modules')) ? ` (node_modules ${human(sizeOf(join(ctx.dir, 'node_modules')))})` : '';
      results.push({ id, ok: false, detail: `failed: ${ctx.failedSteps.join('; ')}${size}, ${seconds} s` });
    }
  }
  await writeFile(join(tmp, 'pack-install.log'), logs.join('\n\n'));
  console.log('pack-install: summary');
  for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.id === 'pack' ? 'pack' : `recipe ${r.id}`}: ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (args.keep) console.log(`pack-install: kept ${tmp} (full tool output in pack-install.log)`);
  else await rm(tmp, { recursive: true, force: true });
  // Not worded 'N passed, N failed': .ci/run closes with the test summary in that form.
  const failedIds = results.filter((r) => !r.ok).map((r) => (r.id === 'pack' ? 'pack' : `recipe ${r.id}`));
  console.log(`pack-install: ${failed ? `FAILED (${failedIds.join(', ')})` : 'OK'}: ${results.length - failed} of ${results.length} checks ok (${seconds} s)`);
  process.exit(failed ? 1 : 0);
}

await main();
