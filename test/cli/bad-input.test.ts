/**
 * The hardening corpus: every file in fixtures/bad/ run through the CLI as a user would,
 * from the table in fixtures/bad/cases.json. Each case gives the arguments ("{file}" is
 * replaced by the case's path, "{bad}" by fixtures/bad, "{scratch}" by a directory of its
 * own for outputs), the exit code and a fragment of stderr, and may give a fragment of
 * stdout; successful cases also give values the JSON report must hold
 * ("components.1.mean": 7.5). Every case must keep the error model: one `em-fit: ` line per
 * message, no stack trace, nothing on stdout when it fails, no control character on stderr
 * (nor on stdout in text output); and every file it names must be byte for byte the same
 * afterwards.
 *
 * Cases with a "bug" field describe what em-fit should do but does not yet; they run as
 * expected failures (it.fails), so fixing the bug turns them red until the field is removed.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, type ExpectStatic, it } from 'vitest';
import { fixture } from '../helpers/cli.js';
import { randomBytes } from '../helpers/random.js';
import { at, emFitAsync, errorModelProblems, nonFiniteNumbers } from '../helpers/run.js';

interface BadCase {
  name: string;
  /** Path under fixtures/bad/ ("." is the directory itself), or null for a generated file or stdin. */
  file: string | null;
  args: string[];
  /** The exit code; a list where either outcome is right (a known bug's possible fixes). */
  exit: number | number[];
  /** A fragment stderr must contain ("" when stderr must be empty). */
  stderr: string;
  stdin?: string;
  /** A fragment stdout must contain ("" when it must be empty). */
  stdout?: string;
  /** Values of the JSON report on stdout, by dotted path; numbers to 1e-9 relative. */
  json?: Record<string, string | number | boolean>;
  /** A file the test writes itself. */
  generate?: 'long-label' | 'long-number' | 'long-group' | 'model-1001' | 'model-oversize' | 'many-labels';
  /** Something to arrange before the run: an unreadable input, or {scratch}/link.csv, a link to it. */
  setup?: 'chmod000' | 'symlink';
  /** Files under {scratch} the run must have written, or must not have. */
  written?: string[];
  notWritten?: string[];
  /** A known bug: what em-fit does instead. */
  bug?: string;
  notes?: string;
}

const BAD = fixture('bad');
const cases = JSON.parse(readFileSync(join(BAD, 'cases.json'), 'utf8')) as BadCase[];
const scratch = mkdtempSync(join(tmpdir(), 'em-fit-bad-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A model file with `k` components, equal weights and unit variances, as --save-model writes. */
const model = (k: number, pad = 0): string =>
  `${JSON.stringify({
    format: 'em-fit-model',
    version: 1,
    family: 'gaussian',
    variance: 'unequal',
    column: 'x',
    variance_floor: 1 / 12,
    resolution: 1,
    components: Array.from({ length: k }, (_, j) => ({ label: String(j + 1), weight: 1 / k, mean: j, variance: 1 })),
    fit: { note: ' '.repeat(pad) },
    created_by: 'em-fit test',
  })}\n`;

/** Files too big or too many to keep in the repository, written for the run. */
const GENERATED: Record<NonNullable<BadCase['generate']>, () => string> = {
  'long-label': () => `x,g\n1,a\n2,a\n7,${'b'.repeat(1 << 20)}\n8,${'b'.repeat(1 << 20)}\n`,
  'long-number': () => `x,g\n1,a\n2,a\n${'9'.repeat(1 << 20)},b\n8,b\n`,
  'long-group': () => `x,g\n${[1, 2, 3].map((x) => `${x},${'g'.repeat(300)}`).join('\n')}\n${[7, 8, 9].map((x) => `${x},${'g'.repeat(299)}h`).join('\n')}\n`,
  'model-1001': () => model(1001),
  'model-oversize': () => model(2, 5 << 20),
  'many-labels': () => `x,g\n${Array.from({ length: 3003 }, (_, i) => `${i},${i % 1001}`).join('\n')}\n`,
};

/** The case's own directory for outputs ({scratch}). */
const scratchOf = (c: BadCase): string => join(scratch, c.name.replace(/[^A-Za-z0-9]+/g, '-'));

/** Returns the path of the case's input, arranging it first; null when the case must be skipped. */
function inputPath(c: BadCase): string | null {
  mkdirSync(scratchOf(c), { recursive: true });
  if (c.generate) {
    const path = join(scratchOf(c), `${c.generate}${c.generate.startsWith('model') ? '.json' : '.csv'}`);
    writeFileSync(path, GENERATED[c.generate]());
    return path;
  }
  if (c.setup === 'symlink') {
    const path = join(BAD, c.file as string);
    symlinkSync(path, join(scratchOf(c), 'link.csv'));
    return path;
  }
  if (c.setup === 'chmod000') {
    const path = join(scratch, 'unreadable.csv');
    writeFileSync(path, 'x,g\n1,a\n2,a\n7,b\n8,b\n');
    chmodSync(path, 0o000);
    try {
      // Root (as in most CI containers) reads the file regardless of its mode.
      readFileSync(path);
      return null;
    } catch {
      return path;
    }
  }
  return c.file === null ? '-' : join(BAD, c.file);
}

function close(actual: unknown, expected: number): boolean {
  return typeof actual === 'number' && Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), 1e-300);
}

async function runCase(c: BadCase, expect: ExpectStatic, skip: (note?: string) => void): Promise<void> {
  const file = inputPath(c);
  if (file === null) {
    skip('running as root: chmod 000 does not stop root from reading (the ENOTDIR case covers unreadable paths)');
    return;
  }
  const dir = scratchOf(c);
  const args = c.args.map((a) => (a === '{file}' ? file : a.replace('{bad}', BAD).replace('{scratch}', dir)));
  // Every file the run names that exists before it must be the same, byte for byte, after it.
  const readable = (path: string): boolean => {
    try {
      return statSync(path).isFile() && readFileSync(path).length >= 0;
    } catch {
      return false;
    }
  };
  const named = args.filter((a) => a.startsWith('/') && readable(a));
  const before = named.map((path) => readFileSync(path));
  const result = await emFitAsync(args, { input: c.stdin });
  const context = `${c.name}\nexit ${result.code}\nstderr: ${result.stderr.slice(0, 2000)}`;
  expect([c.exit].flat(), context).toContain(result.code);
  expect(errorModelProblems(result), context).toEqual([]);
  if (result.code !== 0) expect(result.stderr, context).toMatch(/^em-fit: /);
  if (c.stderr === '') expect(result.stderr, context).toBe('');
  else expect(result.stderr, context).toContain(c.stderr);
  if (c.stdout === '') expect(result.stdout, context).toBe('');
  else if (c.stdout !== undefined) expect(result.stdout, context).toContain(c.stdout);
  // A terminal must not receive control characters from the data: no ESC, BEL, … on stderr or in text output.
  expect(result.stderr, context).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  if (!args.includes('--json') && !args.includes('csv')) expect(result.stdout, context).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  named.forEach((path, i) => expect(readFileSync(path).equals(before[i]), `${context}\n${path} changed`).toBe(true));
  for (const name of c.written ?? []) expect(existsSync(join(dir, name)), `${context}\n${name} not written`).toBe(true);
  for (const name of c.notWritten ?? []) expect(existsSync(join(dir, name)), `${context}\n${name} written`).toBe(false);
  if (result.code === 0 && args.includes('--json')) {
    const report = JSON.parse(result.stdout) as unknown;
    expect(nonFiniteNumbers(report), context).toEqual([]);
    for (const [path, value] of Object.entries(c.json ?? {})) {
      const actual = at(report, path);
      if (typeof value === 'number') expect(close(actual, value), `${context}\n${path} = ${String(actual)}, expected ${value}`).toBe(true);
      else expect(actual, `${context}\n${path}`).toBe(value);
    }
  }
}

describe('fixtures/bad/cases.json', () => {
  it('has at least 34 cases, each named once, each file present or generated', () => {
    expect(cases.length).toBeGreaterThanOrEqual(34);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.args.join(' '), c.name).toContain(c.file === null && !c.generate && !c.setup ? '-' : '{file}');
      for (const code of [c.exit].flat()) expect([0, 2, 3, 4, 5], c.name).toContain(code);
    }
  });

  it('binary.bin is still the seeded generator output (mulberry32(20240601), 4096 bytes)', () => {
    expect(readFileSync(join(BAD, 'binary.bin')).equals(randomBytes(20240601, 4096))).toBe(true);
  });

  it.concurrent.for(cases.filter((c) => !c.bug))('$name', (c, { expect, skip }) => runCase(c, expect, skip));

  // Known bugs (see each case's "bug" field): expected to fail until fixed.
  it.concurrent.fails.for(cases.filter((c) => c.bug))('$name (known bug)', (c, { expect, skip }) => runCase(c, expect, skip));
});
