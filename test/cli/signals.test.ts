/**
 * Signals and pipes on a fit that takes a while: a million rows, three overlapping
 * components, rtol 0 (EM runs until --max-iter). Ctrl-C (SIGINT) must end the run with
 * exit 130 and nothing on stdout; a reader that goes away (`em-fit … | head -1`) must end it
 * quietly, with exit 0 and no EPIPE trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { roughPartition, sampleMixture } from '../helpers/mixture.js';
import { emFitAsync, errorModelProblems, STACK_LINE } from '../helpers/run.js';

const ROWS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'em-fit-signals-'));
const big = join(dir, 'big.csv');
const FIT = [big, '--var', 'x', '--init', 'g'];
/** Milliseconds to read the file and start: measured, so that SIGINT lands in the fit. */
let startup = 0;

beforeAll(async () => {
  const mean = [0, 2, 4];
  const { x } = sampleMixture(ROWS, [0.4, 0.35, 0.25], mean, [1, 1.2, 0.8], 31, 3);
  const labels = roughPartition(x, mean, 0.2, 32);
  writeFileSync(big, `x,g\n${x.map((v, i) => `${v},${labels[i]}`).join('\n')}\n`);
  const began = performance.now();
  const result = await emFitAsync([...FIT, '--max-iter', '0', '--json', '--no-responsibilities']);
  startup = performance.now() - began;
  expect(result.code, result.stderr).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a fit that would take minutes and sends SIGINT after `delay` ms. */
function interrupt(delay: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, [BIN, ...FIT, '--rtol', '0', '--max-iter', '100000', '--json'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const sigint = setTimeout(() => child.kill('SIGINT'), delay);
    // If SIGINT is ignored the fit runs on for minutes: fail instead of waiting.
    const guard = setTimeout(() => child.kill('SIGKILL'), delay + 10_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(sigint);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - began });
    });
  });
}

describe('SIGINT', () => {
  it('during the fit exits 130 with nothing on stdout', async () => {
    const delay = Math.max(1500, startup + 500);
    const result = await interrupt(delay);
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(130);
    // It was still running when interrupted, and stopped promptly.
    expect(result.ms).toBeGreaterThanOrEqual(delay);
    expect(result.ms).toBeLessThan(delay + 5000);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toMatch(STACK_LINE);
  }, 30_000);

  it('while reading the file exits 130 too', async () => {
    // Half-way through reading, but after node has started and installed the handler (~0.15 s).
    const result = await interrupt(Math.max(250, Math.min(400, startup / 2)));
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toMatch(STACK_LINE);
  }, 30_000);
});

describe('a closed stdout', () => {
  it.each([
    ['--format csv', 'x,g,p_1,p_2,p_3,component'],
    ['--json', '{'],
  ])('`em-fit big.csv … %s | head -1` ends quietly with exit 0', (format, first) => {
    // The shell's exit status is em-fit's, not head's; em-fit's stderr is the shell's.
    const script = `"${process.execPath}" "${BIN}" "${big}" --var x --init g --max-iter 2 ${format} | head -1; exit "\${PIPESTATUS[0]}"`;
    const result = spawnSync('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, NO_COLOR: '' } });
    const stderr = result.stderr.toString();
    expect(result.status, stderr).toBe(0);
    expect(result.stdout.toString()).toBe(`${first}\n`);
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(stderr).not.toMatch(STACK_LINE);
  }, 30_000);

  it('a reader that destroys the pipe after the first chunk (text, --rows all): exit 0, no trace', async () => {
    const result = await new Promise<{ code: number | null; stderr: string; received: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...FIT, '--max-iter', '2', '--rows', 'all'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '' } });
      let stderr = '';
      let received = 0;
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.stdout.on('data', (d: Buffer) => {
        received += d.length;
        child.stdout.destroy();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, received }));
    });
    expect(result.received).toBeGreaterThan(0);
    expect(result.code, result.stderr).toBe(0);
    expect(errorModelProblems({ code: 0, stdout: '', stderr: result.stderr })).toEqual([]);
    expect(result.stderr).not.toMatch(/EPIPE/);
  }, 30_000);
});
