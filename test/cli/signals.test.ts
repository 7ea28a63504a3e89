/**
 * Signals, pipes and full disks on a fit that takes a while: a million rows, three
 * overlapping components, rtol 0 (EM runs until --max-iter). Ctrl-C (SIGINT) must end the
 * run with exit 130 and nothing more on stdout, while reading, fitting or writing; a reader
 * that goes away (`em-fit … | head -1`) must end it quietly, with exit 0 and no EPIPE trace;
 * a full stdout is exit 5 with its own message, and a stderr that cannot be written does
 * not change the outcome.
 *
 * No test waits a fixed time for em-fit: with EM_FIT_TEST_ANNOUNCE=1 it says on stderr when
 * it starts reading, fitting and writing, and the signal is sent then.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { roughPartition, sampleMixture } from '../helpers/mixture.js';
import { errorModelProblems, STACK_LINE } from '../helpers/run.js';

const ROWS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'em-fit-signals-'));
const big = join(dir, 'big.csv');
const FIT = [big, '--var', 'x', '--init', 'g'];
let content = '';

beforeAll(() => {
  const mean = [0, 2, 4];
  const { x } = sampleMixture(ROWS, [0.4, 0.35, 0.25], mean, [1, 1.2, 0.8], 31, 3);
  const labels = roughPartition(x, mean, 0.2, 32);
  content = `x,g\n${x.map((v, i) => `${v},${labels[i]}`).join('\n')}\n`;
  writeFileSync(big, content);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Stage = 'reading' | 'fitting' | 'writing';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs em-fit with EM_FIT_TEST_ANNOUNCE=1 and sends SIGINT once it announces `stage`.
 * `stdin` is written before that (the rest of standard input never comes); `stdout` is a
 * file descriptor to write to, or 'unread' for a pipe that nobody reads (so that writing
 * blocks), or 'pipe' (collected).
 */
function interruptAt(stage: Stage, args: string[], options: { stdin?: string; stdout?: number | 'unread' | 'pipe' } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const out = options.stdout ?? 'pipe';
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '', EM_FIT_TEST_ANNOUNCE: '1' },
      stdio: ['pipe', typeof out === 'number' ? out : 'pipe', 'pipe'],
    });
    const stdin = child.stdin as NonNullable<typeof child.stdin>;
    let stdout = '';
    let stderr = '';
    if (out === 'pipe') child.stdout?.on('data', (d: Buffer) => (stdout += d));
    stdin.on('error', () => {});
    if (options.stdin !== undefined) stdin.write(options.stdin);
    else stdin.end();
    let sent = false;
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d;
      if (!sent && stderr.includes(`em-fit: test: ${stage}\n`)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    // A run that ignores SIGINT would go on for minutes: fail instead of waiting.
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      stdin.destroy();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** What is wrong with an interrupted run's stderr: every line em-fit's, no stack trace, no error message. */
const stderrProblems = (stderr: string): string[] => [
  ...errorModelProblems({ code: 0, stdout: '', stderr }),
  ...stderr.split('\n').filter((line) => line.startsWith('em-fit: ') && !/^em-fit: (test|warning): /.test(line)),
];

describe('SIGINT', () => {
  it('during the fit exits 130 with nothing on stdout', async () => {
    const result = await interruptAt('fitting', [...FIT, '--rtol', '0', '--max-iter', '100000', '--json']);
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toBe('');
    expect(stderrProblems(result.stderr)).toEqual([]);
  }, 150_000);

  it('while reading standard input exits 130 too', async () => {
    // Half of the file, and the rest never comes: em-fit is reading when the signal arrives.
    const result = await interruptAt('reading', ['-', '--var', 'x', '--init', 'g', '--json'], { stdin: content.slice(0, content.length >> 1) });
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toBe('');
    expect(stderrProblems(result.stderr)).toEqual([]);
  }, 150_000);

  it('while writing to a pipe that is not read exits 130', async () => {
    const result = await interruptAt('writing', [...FIT, '--max-iter', '2', '--json'], { stdout: 'unread' });
    expect(result.code, result.stderr).toBe(130);
    expect(stderrProblems(result.stderr)).toEqual([]);
  }, 150_000);

  it('while writing a large JSON document to a file exits 130 and stops writing', async () => {
    const path = join(dir, 'out.json');
    const fd = openSync(path, 'w');
    const result = await interruptAt('writing', [...FIT, '--max-iter', '2', '--json'], { stdout: fd });
    closeSync(fd);
    expect(result.code, result.stderr).toBe(130);
    // Writes to a file are synchronous; the sink gives Ctrl-C a turn, so the document is cut short.
    expect(() => JSON.parse(readFileSync(path, 'utf8'))).toThrow();
  }, 150_000);
});

describe('a full disk', () => {
  it.runIf(existsSync('/dev/full'))('`> /dev/full` is exit 5, with its own message', () => {
    const full = openSync('/dev/full', 'w');
    const result = spawnSync(process.execPath, [BIN, join(ROOT, 'fixtures/seed.csv'), '--var', 'Var', '--init', 'partition1'], { stdio: ['ignore', full, 'pipe'] });
    closeSync(full);
    const stderr = result.stderr.toString();
    expect(result.status, stderr).toBe(5);
    expect(stderr).toBe('em-fit: cannot write standard output: no space left on the device (ENOSPC); the output is incomplete\n');
  });

  it.runIf(existsSync('/dev/full'))('`2> /dev/full` does not change the outcome of a fit that warns', () => {
    const full = openSync('/dev/full', 'w');
    const args = [join(ROOT, 'fixtures/seed.csv'), '--var', 'Var', '--init', 'partition1', '--max-iter', '2', '--json', '--no-responsibilities'];
    const result = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', full] });
    closeSync(full);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout.toString());
    expect(report.warnings.join(' ')).toContain('not converged after 2 iterations');
  });
});

describe('a closed stdout', () => {
  it.each([
    ['--format csv', 'x,g,row,p_1,p_2,p_3,component'],
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
