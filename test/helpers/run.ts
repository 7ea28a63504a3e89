/**
 * Asynchronous runs of the built CLI, for tests that run many at once (fuzzing), need a
 * working directory of their own, or signal the process; and the checks of the error model
 * and the JSON report that every such run must pass.
 */
import { spawn } from 'node:child_process';
import { BIN, type CliResult, ROOT } from './cli.js';

export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  /** Kill the run (SIGKILL) after this long, so that a hung run fails instead of stalling. */
  timeoutMs?: number;
}

export function emFitAsync(args: string[], options: RunOptions = {}): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // The CLI may exit before reading all of its input (a bad header): that is not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** A line of a stack trace, as Node prints them. */
export const STACK_LINE = /^\s+at /m;

/**
 * What is wrong with a run's use of the error model (empty when nothing): a failure prints
 * one `em-fit: ` message and nothing on stdout; every stderr line is em-fit's; no stack trace.
 */
export function errorModelProblems(result: CliResult): string[] {
  const problems: string[] = [];
  if (STACK_LINE.test(result.stderr)) problems.push('stderr holds a stack trace');
  if (result.stderr !== '' && !result.stderr.startsWith('em-fit: ')) problems.push('stderr does not start with "em-fit: "');
  for (const line of result.stderr.split('\n')) {
    if (line !== '' && !line.startsWith('em-fit: ')) problems.push(`stderr line not from em-fit: ${JSON.stringify(line.slice(0, 120))}`);
  }
  if (result.code !== 0 && result.stdout !== '') problems.push(`stdout not empty on exit ${result.code}`);
  return problems;
}

/**
 * Keys of the JSON report that always hold numbers. A null under one of them, or among the
 * numbers of an array, stands where a number belongs; other nulls (no weight column, no
 * resolution with --min-variance) are values in their own right.
 */
const NUMBER_KEYS = new Set([
  'n', 'skipped', 'total_weight', 'k', 'iterations', 'passes', 'rejected', 'loglik', 'n_params', 'bic', 'aic', 'icl',
  'entropy', 'variance_floor', 'rtol', 'max_iter', 'weight', 'mean', 'variance', 'sd', 'iteration',
]);
/** Top-level keys named like number keys that hold text: the weight column, the variance model. */
const TEXT_AT_TOP = new Set(['weight', 'variance']);
/** The one place a null stands for a number that does not exist: the ELBO before any E-step. */
const NULL_ELBO = /^trace\.0\.elbo$/;

/**
 * Every place in a parsed JSON report where a number is not finite, or a null stands where
 * a number belongs. JSON.parse already rejects NaN and Infinity literals; this catches an
 * overflowed literal (1e999 parses as Infinity) and nulls.
 */
export function nonFiniteNumbers(value: unknown, path = '', inNumbers = false): string[] {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (value === null) {
    const numberKey = NUMBER_KEYS.has(key) && !(path === key && TEXT_AT_TOP.has(key));
    const belongs = inNumbers || numberKey || (key === 'elbo' && !NULL_ELBO.test(path));
    return belongs ? [`${path} is null`] : [];
  }
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} is ${value}`];
  const child = (k: string | number): string => (path === '' ? String(k) : `${path}.${k}`);
  if (Array.isArray(value)) {
    const numbers = value.some((v) => typeof v === 'number');
    return value.flatMap((v, i) => nonFiniteNumbers(v, child(i), numbers));
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nonFiniteNumbers(v, child(k)));
  }
  return [];
}

/** The value at a dotted path ("components.1.mean") of a parsed JSON document. */
export function at(document: unknown, path: string): unknown {
  let node = document;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
