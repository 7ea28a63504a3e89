#!/usr/bin/env node
/**
 * Builds dist/ (`npm run build`, and npm's `prepare` step): a clean compile of src/ by tsc,
 * then the manual page dist/em-fit.1, written by the built CLI (`em-fit man`) from the same
 * option definitions as --help.
 *
 * `node scripts/build.mjs --prepare` is npm's `prepare` step, which npm runs after
 * `npm install` and `npm ci` in a clone, before `npm pack`, and also for `npm link` and
 * `npm install -g .`. Those two link the global package to the clone and install nothing in
 * it, so in a fresh clone neither the compiler nor the program's own dependencies are there
 * (the error of issue 14: `sh: 1: tsc: not found`). So when the compiler is missing and
 * dist/ is not built, --prepare first installs the locked dependencies in the clone
 * (`npm ci --include=dev`, its scripts skipped: none of the dependencies has any, and ours
 * is this one). When dist/ is built already and the compiler is missing (`npm ci
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

const man = spawnSync(process.execPath, [join(root, 'bin', 'em-fit.js'), 'man'], { cwd: root, encoding: 'utf8' });
if (man.status !== 0) fail(`em-fit man failed (exit ${man.status ?? man.signal}): ${man.stderr}`);
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'em-fit.1'), man.stdout);
