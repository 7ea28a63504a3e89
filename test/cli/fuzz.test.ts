/**
 * Fuzzing the CLI through standard input: random bytes, and valid CSV files (the seed data,
 * Old Faithful) damaged by random edits: bytes deleted, inserted or replaced; quotes,
 * delimiters, line breaks, NUL, byte-order marks; numbers that overflow, underflow or are
 * not numbers; lines duplicated, dropped or cut. Whatever comes in, em-fit must exit 0, 2,
 * 3 or 4 (never 1, a bug, nor die by a signal), print no stack trace, print nothing on
 * stdout when it fails, and when it succeeds with --json print a document that parses,
 * with no NaN, Infinity or null where a number belongs.
 *
 * Seeded: EM_FIT_FUZZ_SEED=S picks another sequence, EM_FIT_FUZZ_RUNS=N runs N cases
 * (default 40, a few seconds). A failure names the seed and the case, and saves the input.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Case, makeCase } from '../helpers/fuzz-inputs.js';
import { emFitAsync, errorModelProblems, nonFiniteNumbers } from '../helpers/run.js';

const SEED = Number(process.env.EM_FIT_FUZZ_SEED ?? 1729);
const RUNS = Number(process.env.EM_FIT_FUZZ_RUNS ?? 40);
/** Processes at a time: spawning node costs ~0.1 s, mostly waiting. */
const PARALLEL = 4;

async function problems(c: Case): Promise<string[]> {
  const result = await emFitAsync(c.args, { input: c.input });
  const found = errorModelProblems(result);
  if (result.signal !== null) found.push(`killed by ${result.signal}`);
  else if (![0, 2, 3, 4].includes(result.code as number)) found.push(`exit ${result.code}`);
  if (result.code === 0 && c.args.includes('--json')) {
    try {
      found.push(...nonFiniteNumbers(JSON.parse(result.stdout)));
    } catch (error) {
      found.push(`stdout is not JSON: ${(error as Error).message}`);
    }
  }
  if (found.length === 0) return [];
  const saved = join(tmpdir(), `em-fit-fuzz-${SEED}-${c.index}.csv`);
  writeFileSync(saved, c.input);
  return [
    `EM_FIT_FUZZ_SEED=${SEED}, case ${c.index}: ${found.join('; ')}`,
    `  em-fit ${c.args.join(' ')} < ${saved}`,
    `  stderr: ${result.stderr.slice(0, 500)}`,
  ];
}

describe('fuzzing standard input', () => {
  it(`${RUNS} damaged or random inputs keep the error model (seed ${SEED})`, { timeout: 20_000 + RUNS * 1000 }, async () => {
    const failures: string[] = [];
    for (let start = 0; start < RUNS; start += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, RUNS - start) }, (_, j) => makeCase(start + j, SEED));
      for (const found of await Promise.all(batch.map(problems))) failures.push(...found);
    }
    expect(failures.join('\n')).toBe('');
  });
});
