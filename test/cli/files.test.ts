/**
 * Output files never damage a user's file: refused before any work when they are a file the
 * run reads or standard output's file, written whole through a temporary file and a rename
 * (keeping an existing file's mode and a link to it), and never leaving a temporary file.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmFitError } from '../../src/errors.js';
import { removeTemporaries, writeFileAtomic } from '../../src/io/output-file.js';
import { groupPaths } from '../../src/cli/outputs.js';
import { BIN, fixture } from '../helpers/cli.js';
import { emFitAsync, errorModelProblems } from '../helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seed = readFileSync(fixture('seed.csv'));
const FIT = ['--var', 'Var', '--init', 'partition1'];

/** A fresh directory holding a copy of the seed data as in.csv. */
function workspace(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, 'in.csv'), seed);
  return path;
}

/** Temporary files of em-fit's atomic writes left in `path`. */
const leftovers = (path: string): string[] => readdirSync(path).filter((name) => name.startsWith('.em-fit-'));

describe('standard output and the input', () => {
  it('`em-fit in.csv … >> in.csv` is refused (exit 2) and in.csv stays as it was', () => {
    const cwd = workspace('append');
    const out = openSync(join(cwd, 'in.csv'), 'a');
    const result = spawnSync(process.execPath, [BIN, 'in.csv', ...FIT, '--format', 'csv'], { cwd, stdio: ['ignore', out, 'pipe'] });
    closeSync(out);
    expect(result.status).toBe(2);
    expect(result.stderr.toString()).toBe('em-fit: standard output is redirected to the input file in.csv: writing it would destroy what em-fit reads; redirect it elsewhere\n');
    expect(readFileSync(join(cwd, 'in.csv')).equals(seed)).toBe(true);
  });

  it('--save-model onto the file standard output goes to is refused: the report would be lost', () => {
    const cwd = workspace('stdout-model');
    const out = openSync(join(cwd, 'out.json'), 'w');
    const result = spawnSync(process.execPath, [BIN, 'in.csv', ...FIT, '--json', '--save-model', 'out.json'], { cwd, stdio: ['ignore', out, 'pipe'] });
    closeSync(out);
    expect(result.status).toBe(2);
    expect(result.stderr.toString()).toContain('--save-model out.json is the file standard output is redirected to');
  });

  it('--save-model onto the file standard input reads is refused', () => {
    const cwd = workspace('stdin-model');
    const input = openSync(join(cwd, 'in.csv'), 'r');
    const result = spawnSync(process.execPath, [BIN, '-', ...FIT, '--save-model', 'in.csv'], { cwd, stdio: [input, 'pipe', 'pipe'] });
    closeSync(input);
    expect(result.status).toBe(2);
    expect(result.stderr.toString()).toContain('--save-model in.csv is the file standard input reads');
    expect(readFileSync(join(cwd, 'in.csv')).equals(seed)).toBe(true);
  });
});

describe('writing an output file', () => {
  it('replaces an existing file whole, keeps its mode, and leaves no temporary file', async () => {
    const cwd = workspace('mode');
    writeFileSync(join(cwd, 'model.json'), 'old');
    chmodSync(join(cwd, 'model.json'), 0o640);
    const result = await emFitAsync(['in.csv', ...FIT, '--save-model', 'model.json', '--plot', 'fit.svg'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'model.json'), 'utf8')).format).toBe('em-fit.model/2');
    expect(statSync(join(cwd, 'model.json')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(cwd, 'fit.svg'), 'utf8')).toMatch(/^<svg/);
    expect(leftovers(cwd)).toEqual([]);
  });

  it('writes through a symbolic link: the link stays, its target gets the model', async () => {
    const cwd = workspace('link');
    writeFileSync(join(cwd, 'target.json'), 'old');
    symlinkSync('target.json', join(cwd, 'model.json'));
    const result = await emFitAsync(['in.csv', ...FIT, '--save-model', 'model.json'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(lstatSync(join(cwd, 'model.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(cwd, 'model.json'))).toBe('target.json');
    expect(JSON.parse(readFileSync(join(cwd, 'target.json'), 'utf8')).format).toBe('em-fit.model/2');
  });

  it('writes a device such as /dev/null directly', async () => {
    const result = await emFitAsync([fixture('seed.csv'), ...FIT, '--save-model', '/dev/null', '--json', '--no-responsibilities']);
    expect(result.code, result.stderr).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('writes /dev/stdout on a pipe down the pipe', () => {
    // A link to "pipe:[…]", which realpath cannot resolve: the path was taken for a new file,
    // made in /dev as a temporary and renamed over /dev/stdout, which failed ("no such file",
    // exit 5) after the fit, with the report lost.
    // Through a shell's pipe (node's own child processes get a socket, which cannot be reopened).
    const command = `"${process.execPath}" "${BIN}" "${fixture('seed.csv')}" ${FIT.join(' ')} --save-model /dev/stdout --format params | cat`;
    const result = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('"format": "em-fit.model/2"');
    expect(result.stdout).toContain('component,family,weight,mean');
    expect(readdirSync('/dev').filter((name) => name.startsWith('.em-fit'))).toEqual([]);
  });

  it('a write that fails is an output error (exit 5) and removes its temporary file', () => {
    const cwd = workspace('fails');
    // A non-empty directory where the file should go: the rename over it fails.
    mkdirSync(join(cwd, 'model.json'));
    writeFileSync(join(cwd, 'model.json', 'keep'), 'x');
    let error: unknown;
    try {
      writeFileAtomic(join(cwd, 'model.json'), 'text', 'the model file');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EmFitError);
    expect((error as EmFitError).exitCode).toBe(5);
    expect((error as EmFitError).message).toContain(`cannot write the model file ${join(cwd, 'model.json')}`);
    expect(leftovers(cwd)).toEqual([]);
    removeTemporaries();
  });

  it('a directory that cannot be written is refused before the fit (exit 2), unless running as root', async () => {
    const cwd = workspace('readonly');
    mkdirSync(join(cwd, 'out'));
    chmodSync(join(cwd, 'out'), 0o555);
    let root = false;
    try {
      writeFileSync(join(cwd, 'out', 'probe'), '');
      root = true;
    } catch {
      // Not root: the directory is read-only, as intended.
    }
    if (root) return;
    const result = await emFitAsync(['in.csv', ...FIT, '--save-model', 'out/model.json'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('em-fit: --save-model out/model.json: the directory out is not writable\n');
  });
});

describe('--by output files', () => {
  it('are bounded, distinct and safe, whatever the group values', () => {
    const long = 'é'.repeat(300);
    const paths = groupPaths('/tmp/out/model.json', ['north', 'left side', 'North', long, `${long}x`, '..', '', 'a/b']);
    expect(paths.slice(0, 3)).toEqual(['/tmp/out/model.north.json', '/tmp/out/model.left_side.json', '/tmp/out/model.North-2.json']);
    for (const path of paths) expect(Buffer.byteLength(path.slice('/tmp/out/'.length))).toBeLessThanOrEqual(255);
    expect(new Set(paths.map((p) => p.toLowerCase())).size).toBe(paths.length);
    expect(paths[7]).toBe('/tmp/out/model.a_b.json');
  });

  it('are checked, all of them, before the first group is fitted', async () => {
    const cwd = workspace('by-clash');
    writeFileSync(join(cwd, 'groups.csv'), 'x,g\n1,a\n2,a\n3,a\n7,in\n8,in\n9,in\n');
    // The group "in" would write in.csv: the input file of another run, here a read file by identity.
    copyFileSync(join(cwd, 'groups.csv'), join(cwd, 'm.in.csv'));
    const result = await emFitAsync(['m.in.csv', '--var', 'x', '--by', 'g', '--k', '1', '--save-model', 'm.csv'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('em-fit: --save-model m.in.csv is the input file m.in.csv; choose another name (em-fit never writes over a file it reads or writes)\n');
    expect(result.stdout).toBe('');
    expect(readdirSync(cwd).filter((n) => n.startsWith('m.a'))).toEqual([]);
    expect(errorModelProblems(result)).toEqual([]);
  });
});

