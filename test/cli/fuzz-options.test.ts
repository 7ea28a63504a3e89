/**
 * Fuzzing model files and option combinations. Model files: a valid saved model damaged by
 * random edits (numbers at the edges of doubles, fields deleted, retyped or added, components
 * duplicated, dropped or multiplied, the text cut or padded) and read by `predict` and
 * `--init-model`. Options: random combinations of every option, with good and bad values, on
 * the seed data, a weighted copy and a Latin-1 copy. Whatever comes, em-fit must exit 0, 2, 3
 * or 4 (never 1, a bug, nor die by a signal), keep the error model, print finite JSON when it
 * succeeds, and leave the files it reads as they were.
 *
 * Seeded: EM_FIT_FUZZ_SEED=S picks another sequence, EM_FIT_FUZZ_RUNS=N runs N cases of each
 * kind (default 16). A failure names the seed and the case, and saves its files.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../src/select/rng.js';
import { fixture } from '../helpers/cli.js';
import { randomInt } from '../helpers/random.js';
import { emFitAsync, errorModelProblems, nonFiniteNumbers } from '../helpers/run.js';

const SEED = Number(process.env.EM_FIT_FUZZ_SEED ?? 1729);
const RUNS = Number(process.env.EM_FIT_FUZZ_RUNS ?? 16);
const PARALLEL = 4;

const dir = mkdtempSync(join(tmpdir(), 'em-fit-fuzz-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seedCsv = readFileSync(fixture('seed.csv'), 'utf8');
/** The files cases read: the seed data, with a weight column, in Latin-1 with accented labels. */
const DATA = {
  seed: join(dir, 'seed.csv'),
  weighted: join(dir, 'weighted.csv'),
  latin1: join(dir, 'latin1.csv'),
};
let model = '';

beforeAll(async () => {
  writeFileSync(DATA.seed, seedCsv);
  const lines = seedCsv.trim().split('\n');
  writeFileSync(DATA.weighted, `${lines[0]},w\n${lines.slice(1).map((l, i) => `${l},${[0, 1, 2.5, 0.5][i % 4]}`).join('\n')}\n`);
  writeFileSync(DATA.latin1, Buffer.from(`${lines[0]}\n${lines.slice(1).map((l) => l.replace(/,(\d),/, (_, d: string) => `,caf${d === '1' ? 'é' : 'è'},`)).join('\n')}\n`, 'latin1'));
  const saved = join(dir, 'model.json');
  const result = await emFitAsync([DATA.seed, '--var', 'Var', '--k', '2', '--save-model', saved, '--json', '--no-responsibilities']);
  expect(result.code, result.stderr).toBe(0);
  model = readFileSync(saved, 'utf8');
});

const pick = <T>(u: () => number, items: readonly T[]): T => items[randomInt(u, 0, items.length - 1)];

/** Values at the edges of what a model file may hold. */
const AWKWARD: unknown[] = [0, -0, -1, 1, 2, 0.5, 1e308, -1e308, 5e-324, 1e-310, 1e-300, 1e300, -1e300, 1e150, 'x', '1', '', null, true, [], {}, [1, 2]];
const KEYS = ['format', 'version', 'family', 'variance_model', 'variance', 'column', 'variance_floor', 'resolution', 'components', 'fit', 'created_by'];
const COMPONENT_KEYS = ['label', 'weight', 'mean', 'variance'];

type Model = Record<string, any>;
type ModelEdit = (m: Model, u: () => number) => void;

const component = (m: Model, u: () => number): Record<string, unknown> | null =>
  Array.isArray(m.components) && m.components.length > 0 ? m.components[randomInt(u, 0, m.components.length - 1)] : null;

const MODEL_EDITS: ModelEdit[] = [
  (m, u) => {
    m[pick(u, KEYS)] = pick(u, AWKWARD);
  },
  (m, u) => {
    delete m[pick(u, KEYS)];
  },
  (m, u) => {
    const c = component(m, u);
    if (c) c[pick(u, COMPONENT_KEYS)] = pick(u, AWKWARD);
  },
  (m, u) => {
    const c = component(m, u);
    if (c) delete c[pick(u, COMPONENT_KEYS)];
  },
  (m, u) => {
    const c = component(m, u);
    if (c) m.components.push({ ...c });
  },
  (m) => {
    if (Array.isArray(m.components)) m.components.pop();
  },
  (m, u) => {
    // Many components, with weights that add up to 1.
    const k = pick(u, [3, 50, 999, 1000, 1001, 5000]);
    m.components = Array.from({ length: k }, (_, j) => ({ label: String(j), weight: 1 / k, mean: j / 10, variance: 1 }));
  },
  (m, u) => {
    m.variance_model = pick(u, ['equal', 'unequal']);
  },
  (m, u) => {
    const c = component(m, u);
    if (c) c.variance = (m.variance_floor as number) * pick(u, [0.5, 1, 1 + 1e-15, 1e300]);
  },
  (m, u) => {
    m.resolution = pick(u, [null, 1, 0.1, 1e-310, 1e200]);
  },
  (m, u) => {
    for (const c of m.components ?? []) if (c && typeof c === 'object') c.mean = (c.mean as number) * pick(u, [1e100, 1e300, -1e300, 1e-300]);
  },
];

/** Text edits after serialisation: cut, padded past the size limit, a BOM, a literal that overflows. */
const TEXT_EDITS: ((text: string, u: () => number) => string)[] = [
  (t, u) => t.slice(0, randomInt(u, 0, t.length)),
  (t) => `\ufeff${t}`,
  (t) => t.replace(/"mean": [^,\n]+/, '"mean": 1e999'),
  (t) => `${t}${' '.repeat(5 << 20)}`,
  (t, u) => t.replace(/"weight": [^,\n]+/, `"weight": ${pick(u, ['NaN', 'Infinity', '-0', '0x1'])}`),
];

function makeModelCase(index: number): { index: number; text: string; args: string[][] } {
  const u = rng(SEED, 0x30de1, index);
  const m = JSON.parse(model) as Model;
  const edits = randomInt(u, 1, 3);
  for (let e = 0; e < edits; e++) pick(u, MODEL_EDITS)(m, u);
  let text = JSON.stringify(m, null, 2);
  if (u() < 0.3) text = pick(u, TEXT_EDITS)(text, u);
  const path = join(dir, `model-${index}.json`);
  return {
    index,
    text,
    args: [
      ['predict', path, DATA.seed, '--json'],
      [DATA.seed, '--var', 'Var', '--init-model', path, '--json', '--no-responsibilities'],
    ],
  };
}

/** Options with good and bad values; a case takes a few. */
const OPTIONS: ((u: () => number) => string[])[] = [
  (u) => ['--k', pick(u, ['1', '2', '1:3', '2,4', '3:2', '0', '101', 'a', '1:100'])],
  (u) => ['--variance', pick(u, ['unequal', 'equal', 'both', 'neither'])],
  (u) => ['--criterion', pick(u, ['bic', 'aic', 'icl', 'cv'])],
  () => ['--init', 'partition1'],
  () => ['--init', 'partition2'],
  () => ['--init-model', join(dir, 'model.json')],
  () => ['--by', 'partition2'],
  () => ['--weight', 'w'],
  () => ['--missing', 'skip'],
  (u) => ['--max-iter', pick(u, ['0', '1', '5', '-1'])],
  (u) => ['--rtol', pick(u, ['0', '1e-3', '1e-12', '-1', 'x'])],
  (u) => ['--accel', pick(u, ['auto', 'none', 'squarem'])],
  (u) => ['--min-variance', pick(u, ['1e-3', '10', '0', '1e-400', '1e299'])],
  (u) => ['--format', pick(u, ['text', 'json', 'csv', 'xml'])],
  () => ['--json'],
  (u) => ['--rows', pick(u, ['0', '3', 'all', '-2'])],
  () => ['--no-responsibilities'],
  () => ['--se'],
  () => ['--no-plot'],
  (u) => ['--plot', pick(u, [join(dir, 'p.svg'), join(dir, 'p.vl.json'), join(dir, 'no/such/p.svg'), '{input}'])],
  (u) => ['--save-model', pick(u, [join(dir, 'm.json'), '{input}'])],
  (u) => ['--threads', pick(u, ['1', '2', '500', 'auto', '0'])],
  (u) => ['--encoding', pick(u, ['utf8', 'latin1', 'ebcdic'])],
  () => ['--strict'],
  () => ['-q'],
  (u) => ['--seed', pick(u, ['0', '7', '-3'])],
  (u) => ['--n-init', pick(u, ['1', '3', '0'])],
  (u) => ['--init-method', pick(u, ['kmeans++', 'quantiles', 'random'])],
  (u) => ['-d', pick(u, [',', ';', 'tab', '""'])],
];

function makeOptionCase(index: number): { index: number; args: string[] } {
  const u = rng(SEED, 0x0971, index);
  const file = pick(u, [DATA.seed, DATA.weighted, DATA.latin1]);
  const args = [file, '--var', 'Var'];
  const count = randomInt(u, 1, 6);
  for (let o = 0; o < count; o++) args.push(...pick(u, OPTIONS)(u).map((a) => (a === '{input}' ? file : a)));
  return { index, args };
}

/** What is wrong with one run (empty when nothing). */
async function problems(args: string[]): Promise<string[]> {
  const result = await emFitAsync(args, { timeoutMs: 60_000 });
  // --strict and --by report what was fitted, then exit 4 for what was not.
  const reported = result.code === 4 && (args.includes('--strict') || args.includes('--by'));
  const found = errorModelProblems(reported ? { ...result, stdout: '' } : result);
  if (result.signal !== null) found.push(`killed by ${result.signal}`);
  else if (![0, 2, 3, 4].includes(result.code as number)) found.push(`exit ${result.code}`);
  if (result.code === 0 && (args.includes('--json') || args.join(' ').includes('--format json'))) {
    try {
      for (const line of args.includes('--by') ? result.stdout.trim().split('\n') : [result.stdout]) found.push(...nonFiniteNumbers(JSON.parse(line)));
    } catch (error) {
      found.push(`stdout is not JSON: ${(error as Error).message}`);
    }
  }
  return found.length === 0 ? [] : [`${found.join('; ')}\n  em-fit ${args.join(' ')}\n  stderr: ${result.stderr.slice(0, 500)}`];
}

/** Runs the cases `PARALLEL` at a time; the problems found. */
async function runAll<C>(cases: C[], run: (c: C) => Promise<string[]>): Promise<string[]> {
  const failures: string[] = [];
  for (let start = 0; start < cases.length; start += PARALLEL) {
    for (const found of await Promise.all(cases.slice(start, start + PARALLEL).map(run))) failures.push(...found);
  }
  return failures;
}

describe('fuzzing', () => {
  it(`${RUNS} damaged model files, read by predict and --init-model, keep the error model (seed ${SEED})`, { timeout: 30_000 + RUNS * 4000 }, async () => {
    const cases = Array.from({ length: RUNS }, (_, i) => makeModelCase(i));
    const failures = await runAll(cases, async (c) => {
      const path = join(dir, `model-${c.index}.json`);
      writeFileSync(path, c.text);
      const found = (await Promise.all(c.args.map(problems))).flat();
      if (readFileSync(path, 'utf8') !== c.text) found.push(`the model file was changed`);
      if (found.length === 0) return [];
      const saved = join(tmpdir(), `em-fit-fuzz-model-${SEED}-${c.index}.json`);
      cpSync(path, saved);
      return [`EM_FIT_FUZZ_SEED=${SEED}, model case ${c.index} (saved as ${saved}): ${found.join('\n')}`];
    });
    expect(failures.join('\n')).toBe('');
  });

  it(`${RUNS} option combinations keep the error model and the input files (seed ${SEED})`, { timeout: 30_000 + RUNS * 4000 }, async () => {
    const before = Object.values(DATA).map((path) => readFileSync(path));
    const cases = Array.from({ length: RUNS }, (_, i) => makeOptionCase(i));
    const failures = await runAll(cases, async (c) => {
      const found = await problems(c.args);
      return found.map((f) => `EM_FIT_FUZZ_SEED=${SEED}, option case ${c.index}: ${f}`);
    });
    Object.values(DATA).forEach((path, i) => expect(readFileSync(path).equals(before[i]), `${path} changed`).toBe(true));
    expect(failures.join('\n')).toBe('');
  });
});
