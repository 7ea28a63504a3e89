#!/usr/bin/env node
/**
 * Builds dist/ (`npm run build`, and npm's `prepare` step): a clean compile of src/ by tsc,
 * the bundle that bin/em-fit.js runs (dist/bundle/, by esbuild, see bundle() below), the
 * manual page dist/em-fit.1, written by the built CLI (`em-fit man`) from the same option
 * definitions as --help, and last the bundle's code cache, made by one fit of the example.
 *
 * `node scripts/build.mjs --prepare` is npm's `prepare` step, which npm runs after
 * `npm install` and `npm ci` in a clone, before `npm pack`, and also for `npm link` and
 * `npm install -g .`. Those two link the global package to the clone and install nothing in
 * it, so in a fresh clone neither the compiler nor the program's own dependencies are there
 * (the error of issue 14: `sh: 1: tsc: not found`). So when the compiler is missing and
 * dist/ is not built, --prepare first installs the locked dependencies in the clone
 * (`npm ci --include=dev`, its scripts skipped: ours is this one, and esbuild's postinstall
 * only checks the binary that its platform package brings). When dist/ is built already and the compiler is missing (`npm ci
 * --omit=dev` after a build), the build is kept as it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const prepare = process.argv.includes('--prepare');

const say = (text) => process.stderr.write(`em-fit build: ${text}\n`);

function fail(text) {
  say(text);
  process.exit(1);
}

/** The TypeScript compiler's script, or null when the dev dependencies are not installed. */
function compiler() {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

/**
 * The environment of an npm run inside this one, with the settings that name where the
 * outer run installs removed: under `npm install -g`, npm hands its scripts npm_config_global
 * and npm_config_prefix, which would make `npm ci` here install globally too.
 */
function nestedNpmEnvironment() {
  const env = { ...process.env };
  for (const key of ['global', 'location', 'prefix', 'local_prefix', 'global_prefix', 'install_links', 'production', 'only', 'dry_run']) {
    delete env[`npm_config_${key}`];
    delete env[`NPM_CONFIG_${key.toUpperCase()}`];
  }
  return env;
}

function installDependencies() {
  say('the compiler is not installed here (a fresh clone linked by `npm link` or `npm install -g .`): running npm ci --include=dev first');
  const npm = process.env.npm_execpath;
  const args = ['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
  const run = npm ? spawnSync(process.execPath, [npm, ...args], { cwd: root, stdio: 'inherit', env: nestedNpmEnvironment() }) : spawnSync('npm', args, { cwd: root, stdio: 'inherit', env: nestedNpmEnvironment(), shell: process.platform === 'win32' });
  if (run.status !== 0) fail(`npm ci failed (exit ${run.status ?? run.signal}); install the dependencies with npm ci, then run npm run build`);
}

/**
 * The bundle (issue 15: a lighter start): esbuild joins the compiled modules and the
 * dependencies into one CommonJS file per entry point in dist/bundle/ (the program and its
 * five kinds of worker), so that a run loads one file instead of ninety modules and their
 * resolution. The files sit side by side, so that `new URL('./pass-worker.js',
 * import.meta.url)` in the sources names the bundled worker, and at the depth of dist/cli/,
 * so that '../../package.json' names ours. dist/bundle/package.json makes their .js
 * CommonJS. vega and vega-lite stay outside (optional, loaded only for --plot). When esbuild
 * is not installed, no bundle is made and bin/em-fit.js runs dist/cli/main.js.
 */
const BUNDLE_DIR = join(root, 'dist', 'bundle');
const BUNDLE_MAIN = join(BUNDLE_DIR, 'em-fit.js');

async function bundle() {
  let esbuild;
  try {
    esbuild = createRequire(join(root, 'package.json'))('esbuild');
  } catch {
    say('esbuild is not installed: no bundle; bin/em-fit.js runs dist/cli/main.js');
    return;
  }
  const dist = join(root, 'dist');
  mkdirSync(BUNDLE_DIR, { recursive: true });
  writeFileSync(join(BUNDLE_DIR, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  const options = {
    entryPoints: {
      'em-fit': join(dist, 'cli', 'main.js'),
      'pass-worker': join(dist, 'em', 'pass-worker.js'),
      'job-worker': join(dist, 'select', 'job-worker.js'),
      'batch-worker': join(dist, 'cli', 'batch-worker.js'),
      'read-worker': join(dist, 'io', 'read-worker.js'),
      'rows-worker': join(dist, 'report', 'rows-worker.js'),
    },
    outdir: BUNDLE_DIR,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['vega', 'vega-lite'],
    define: { 'import.meta.url': '__emFitModuleUrl' },
    banner: { js: "const __emFitModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    // Smaller to read and to check against the code cache; the names stay (no minifyIdentifiers) for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  };
  try {
    await esbuild.build(options);
  } catch (error) {
    // E.g. its platform binary missing (installed with --omit=optional): the program runs unbundled, only slower to start.
    // test/cli/launcher.test.ts fails without a bundle, so that a build that stops bundling is seen.
    rmSync(BUNDLE_DIR, { recursive: true, force: true });
    const why = String(error?.message ?? error).split('\n').map((line) => line.trim()).find((line) => line !== '') ?? 'no reason given';
    say(`esbuild could not bundle (${why}): no bundle; bin/em-fit.js runs dist/cli/main.js`);
  }
}

let tsc = compiler();
if (tsc === null) {
  if (!prepare) fail('the compiler is not installed: run npm ci first');
  if (existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    say('the compiler is not installed; dist/ is kept as it was built');
    process.exit(0);
  }
  installDependencies();
  tsc = compiler();
  if (tsc === null) fail('npm ci did not install typescript');
}

// A clean build: files of sources since moved or deleted must not be shipped.
rmSync(join(root, 'dist'), { recursive: true, force: true });
const compile = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (compile.status !== 0) fail(`tsc failed (exit ${compile.status ?? compile.signal})`);

await bundle();

const man = spawnSync(process.execPath, [join(root, 'bin', 'em-fit.js'), 'man'], { cwd: root, encoding: 'utf8' });
if (man.status !== 0) fail(`em-fit man failed (exit ${man.status ?? man.signal}): ${man.stderr}`);
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'em-fit.1'), man.stdout);

// The code cache: V8's compiled code for the functions a fit runs, made by one fit of the
// bundled example (its search and text report), which bin/em-fit.js hands V8 with the bundle.
if (existsSync(BUNDLE_MAIN)) {
  const cache = spawnSync(process.execPath, [join(root, 'bin', 'em-fit.js'), join(root, 'fixtures', 'seed.csv'), '--var', 'Var', '--color', 'never'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, EM_FIT_WRITE_CODE_CACHE: '1' },
  });
  if (cache.status !== 0 || !existsSync(`${BUNDLE_MAIN}.cache`)) fail(`the run that makes the code cache failed (exit ${cache.status ?? cache.signal}): ${cache.stderr}`);
}
