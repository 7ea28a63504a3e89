/** Runs the built CLI (bin/em-fit.js) as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/em-fit.js', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function emFit(args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    input: options.input,
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0', ...options.env },
    maxBuffer: 1 << 30,
  });
  return { code: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** Runs the CLI and parses its JSON output, failing with stderr shown if it did not succeed. */
export function emFitJson(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Record<string, any> {
  const result = emFit([...args, '--json'], options);
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
