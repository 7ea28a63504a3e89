/**
 * The input is read once, fully and correctly, whatever it is: a slow pipe on standard
 * input, process substitution, a named FIFO, with every output format (--format csv needs
 * the rows twice). A file is never read again if it may have changed: changed in place
 * between the fit and the CSV report, or while the report reads it, the run stops (exit 3);
 * replaced by another file under its name, the report still pairs the file that was read
 * with its fit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, fixture, ROOT } from '../helpers/cli.js';
import { roughPartition, sampleMixture } from '../helpers/mixture.js';
import { emFitAsync } from '../helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-pipes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seedPath = fixture('seed.csv');
const seed = readFileSync(seedPath, 'utf8');
const FIT = ['--var', 'Var', '--init', 'partition1'];

/** The CSV report of the seed file, read as a file: what every other way of reading must give. */
let expected = '';
beforeAll(async () => {
  const result = await emFitAsync([seedPath, ...FIT, '--format', 'csv']);
  expect(result.code, result.stderr).toBe(0);
  expected = result.stdout;
  expect(expected.trim().split('\n')).toHaveLength(11);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs em-fit with EM_FIT_TEST_ANNOUNCE=1; `on(stage, child)` is called once for each stage it
 * announces (reading, fitting, writing) and once for its first stdout chunk ('output').
 */
function announced(args: string[], on: (stage: string, child: ReturnType<typeof spawn>) => void, stdout: 'pipe' | 'paused' = 'pipe'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '', EM_FIT_TEST_ANNOUNCE: '1' } });
    let out = '';
    let err = '';
    const seen = new Set<string>();
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!seen.has('output')) {
        seen.add('output');
        on('output', child);
      }
    });
    if (stdout === 'paused') child.stdout.pause();
    child.stdin.on('error', () => {});
    child.stderr.on('data', (d: Buffer) => {
      err += d;
      for (const [, stage] of err.matchAll(/^em-fit: test: (\w+)$/gm)) {
        if (seen.has(stage)) continue;
        seen.add(stage);
        on(stage, child);
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout: out, stderr: err.replace(/^em-fit: test: \w+\n/gm, '') });
    });
  });
}

describe('standard input', () => {
  it('from a producer slower than em-fit, with --format csv, is read whole', async () => {
    // The data come only once em-fit is reading, in three pieces, each after em-fit has said so.
    const pieces = [seed.slice(0, 40), seed.slice(40, 90), seed.slice(90)];
    const result = await announced(['-', ...FIT, '--format', 'csv'], (stage, child) => {
      if (stage !== 'reading') return;
      const next = (i: number): void => {
        if (i === pieces.length) {
          child.stdin?.end();
          return;
        }
        child.stdin?.write(pieces[i], () => setImmediate(() => next(i + 1)));
      };
      next(0);
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected);
  });

  it('gives with --format json and text what the file gives', async () => {
    for (const format of ['json', 'text']) {
      const fromFile = await emFitAsync([seedPath, ...FIT, '--format', format]);
      const fromPipe = await emFitAsync(['-', ...FIT, '--format', format], { input: seed });
      expect(fromPipe.code, fromPipe.stderr).toBe(0);
      if (format === 'json') expect({ ...JSON.parse(fromPipe.stdout), file: seedPath }).toEqual(JSON.parse(fromFile.stdout));
      else expect(fromPipe.stdout.replace('standard input', seedPath)).toBe(fromFile.stdout);
    }
  });
});

describe('pipes named by path', () => {
  it('process substitution <(cat seed.csv) with --format csv gives every row', () => {
    const script = `"${process.execPath}" "${BIN}" <(cat "${seedPath}") ${FIT.join(' ')} --format csv`;
    const result = spawnSync('bash', ['-c', script], { cwd: ROOT });
    expect(result.status, result.stderr.toString()).toBe(0);
    expect(result.stdout.toString()).toBe(expected);
  });

  it.runIf(spawnSync('mkfifo', ['--version']).status === 0)('a named FIFO with --format csv is read once, without hanging', () => {
    const fifo = join(dir, 'fifo.csv');
    spawnSync('mkfifo', [fifo]);
    // The writer opens the FIFO in the background; em-fit opens it as a reader.
    const script = `cat "${seedPath}" > "${fifo}" & "${process.execPath}" "${BIN}" "${fifo}" ${FIT.join(' ')} --format csv; status=$?; wait; exit $status`;
    const result = spawnSync('bash', ['-c', script], { cwd: ROOT, timeout: 60_000 });
    expect(result.status, result.stderr.toString()).toBe(0);
    expect(result.stdout.toString()).toBe(expected);
  });
});

describe('a file that changes', () => {
  const ROWS = 300_000;
  let content = '';
  /** The CSV report of the unchanged file. */
  let report = '';
  const FIT_BIG = ['--var', 'x', '--init', 'g', '--max-iter', '500', '--rtol', '0', '--format', 'csv'];
  beforeAll(async () => {
    const mean = [0, 3];
    const { x } = sampleMixture(ROWS, [0.5, 0.5], mean, [1, 1], 7, 2);
    const labels = roughPartition(x, mean, 0.2, 8);
    content = `x,g\n${x.map((v, i) => `${v},${labels[i]}`).join('\n')}\n`;
    writeFileSync(join(dir, 'unchanged.csv'), content);
    const result = await emFitAsync([join(dir, 'unchanged.csv'), ...FIT_BIG], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    report = result.stdout;
  }, 150_000);

  it('changed in place during the fit: the CSV report refuses to pair it with the fit (exit 3)', async () => {
    const path = join(dir, 'in-place.csv');
    writeFileSync(path, content);
    // Stopped as it starts fitting (SIGSTOP), the file grows, then the run goes on.
    const result = await announced([path, ...FIT_BIG], (stage, child) => {
      if (stage !== 'fitting') return;
      child.kill('SIGSTOP');
      appendFileSync(path, '1.5,1\n');
      child.kill('SIGCONT');
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/in-place\.csv changed after it was read, before the CSV report read its rows again \(size \d+ → \d+ bytes\)/);
    expect(result.stdout).toBe('');
  }, 150_000);

  it('replaced under its name during the fit: the report reads the file that was fitted', async () => {
    const path = join(dir, 'replaced.csv');
    writeFileSync(path, content);
    const result = await announced([path, ...FIT_BIG], (stage, child) => {
      if (stage !== 'fitting') return;
      child.kill('SIGSTOP');
      writeFileSync(`${path}.new`, 'x,g\n100,1\n');
      renameSync(`${path}.new`, path);
      child.kill('SIGCONT');
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout === report).toBe(true);
  }, 150_000);

  it('appended to while the CSV report reads it: the run stops (exit 3), not exit 1 after 99,000 lines', async () => {
    const path = join(dir, 'appended.csv');
    writeFileSync(path, content);
    // Nobody reads stdout until the file has grown: em-fit is then blocked in its report.
    const result = await announced(
      [path, '--var', 'x', '--init', 'g', '--max-iter', '2', '--format', 'csv'],
      (stage, child) => {
        if (stage !== 'writing') return;
        appendFileSync(path, content.slice(4));
        child.stdout?.resume();
      },
      'paused',
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/appended\.csv changed (after|while)/);
  }, 150_000);
});
