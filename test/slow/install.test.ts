/**
 * Installing em-fit as the README says, from a fresh copy of the repository (its tracked and
 * new files, without node_modules or dist, as a clone has them): `npm install -g .` and
 * `npm link` into a temporary prefix, and the package tarball `npm pack` makes, with and
 * without the optional packages that draw pictures. Dependencies come from npm's cache when
 * it has them (--prefer-offline), else from the registry.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const FAITHFUL = join(ROOT, 'fixtures', 'faithful.csv');
const work = mkdtempSync(join(tmpdir(), 'em-fit-install-'));

// Three installs' node_modules: removing them takes seconds on a loaded machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

/** The environment of a user's shell: none of the npm_* variables `npm test` hands its children. */
function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, NO_COLOR: '1', ...extra };
}

function run(command: string, args: string[], cwd: string, env = userEnvironment()): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.error) throw result.error;
  return result;
}

function succeed(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  const result = run(command, args, cwd, env);
  expect(result.status, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** A copy of the repository as a fresh clone holds it: the files git tracks or would add. */
function freshClone(name: string): string {
  const listed = succeed('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT);
  const target = join(work, name);
  // What a clone never holds, even where a work tree has it untracked (a linked node_modules).
  const built = /^(node_modules|dist)(\/|$)/;
  for (const file of listed.split('\0').filter((f) => f !== '' && !built.test(f))) {
    const from = join(ROOT, file);
    // A file deleted in the work tree but not yet from the index.
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(from, join(target, file));
  }
  expect(existsSync(join(target, 'node_modules'))).toBe(false);
  expect(existsSync(join(target, 'dist'))).toBe(false);
  return target;
}

const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund'];

describe('installing from a fresh clone', () => {
  it('npm install -g . puts em-fit on the PATH of the prefix', () => {
    const clone = freshClone('global');
    const prefix = join(work, 'prefix-global');
    succeed('npm', ['install', '-g', '.', '--prefix', prefix, ...NPM_QUIET], clone);
    const bin = join(prefix, 'bin', 'em-fit');
    expect(succeed(bin, ['--version'], work).trim()).toBe(VERSION);
    const fit = JSON.parse(succeed(bin, [FAITHFUL, '--var', 'waiting', '--k', '2', '--json'], work));
    expect(fit.k).toBe(2);
    // The same command through PATH, as a user types it.
    const path = `${join(prefix, 'bin')}:${process.env.PATH}`;
    expect(succeed('em-fit', ['--version'], work, userEnvironment({ PATH: path })).trim()).toBe(VERSION);
  });

  it('npm link puts em-fit on the PATH of the prefix', () => {
    const clone = freshClone('link');
    const prefix = join(work, 'prefix-link');
    succeed('npm', ['link', ...NPM_QUIET], clone, userEnvironment({ NPM_CONFIG_PREFIX: prefix }));
    expect(succeed(join(prefix, 'bin', 'em-fit'), ['--version'], work).trim()).toBe(VERSION);
  });
});

describe('the package tarball', () => {
  let tarball = '';

  it('holds the program, its manual page, README and LICENSE, and nothing else', () => {
    const clone = freshClone('pack');
    succeed('npm', ['ci', ...NPM_QUIET], clone);
    const packed = JSON.parse(succeed('npm', ['pack', '--json', '--pack-destination', work], clone)) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain('bin/em-fit.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/em-fit.1');
    // The bundle the launcher runs, CommonJS by its package.json, and V8's code cache for it.
    expect(files).toContain('dist/bundle/em-fit.js');
    expect(files).toContain('dist/bundle/em-fit.js.cache');
    expect(files).toContain('dist/bundle/package.json');
    expect(files).toContain('bin/package.json');
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files.filter((f) => !/^(bin\/em-fit\.js|bin\/package\.json|dist\/.*\.js|dist\/bundle\/em-fit\.js\.cache|dist\/bundle\/package\.json|dist\/em-fit\.1|LICENSE|README\.md|package\.json)$/.test(f))).toEqual([]);
  });

  it('installs globally with its manual page', () => {
    const prefix = join(work, 'prefix-tarball');
    succeed('npm', ['install', '-g', tarball, '--prefix', prefix, ...NPM_QUIET], work);
    expect(succeed(join(prefix, 'bin', 'em-fit'), ['--version'], work).trim()).toBe(VERSION);
    expect(readFileSync(join(prefix, 'share', 'man', 'man1', 'em-fit.1'), 'utf8')).toMatch(/^\.TH EM\\-FIT 1/m);
  });

  it('installs without the optional packages of --plot, which then says how to add them', () => {
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name": "uses-em-fit", "private": true}\n');
    succeed('npm', ['install', tarball, '--omit=optional', ...NPM_QUIET], project);
    expect(existsSync(join(project, 'node_modules', 'vega'))).toBe(false);
    const bin = join(project, 'node_modules', '.bin', 'em-fit');
    expect(JSON.parse(succeed(bin, [FAITHFUL, '--var', 'waiting', '--k', '2', '--json'], project)).k).toBe(2);
    const plot = run(bin, [FAITHFUL, '--var', 'waiting', '--k', '2', '--plot', 'fit.svg'], project);
    expect(plot.status).toBe(2);
    expect(plot.stdout).toBe('');
    expect(plot.stderr).toContain('--plot draws with the optional packages vega and vega-lite; vega and vega-lite are not installed');
    expect(plot.stderr).toContain('npm install vega@5 vega-lite@5');
    expect(existsSync(join(project, 'fit.svg'))).toBe(false);
    // As the message says: installed beside em-fit, they draw.
    succeed('npm', ['install', 'vega@5', 'vega-lite@5', ...NPM_QUIET], project);
    succeed(bin, [FAITHFUL, '--var', 'waiting', '--k', '2', '--plot', 'fit.svg', '--json'], project);
    expect(readFileSync(join(project, 'fit.svg'), 'utf8')).toMatch(/^<svg/);
  });
});
