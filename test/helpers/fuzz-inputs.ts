/**
 * The fuzz corpus: valid CSV files (the seed data, Old Faithful) damaged by random edits:
 * bytes deleted, inserted or replaced; quotes, delimiters, line breaks, NUL, byte-order
 * marks; numbers that overflow, underflow or are not numbers; lines duplicated, dropped or
 * cut; and random bytes. Case i of seed s is the same whatever else is drawn. Used by the
 * CLI's fuzz test (test/cli/fuzz.test.ts) and the reader's differential test
 * (test/io/differential.test.ts).
 */
import { readFileSync } from 'node:fs';
import { rng } from '../../src/select/rng.js';
import { fixture } from './cli.js';
import { randomBytes, randomInt } from './random.js';

/** Valid inputs to damage, all with the columns Var, partition1, partition2. */
const BASES = [
  readFileSync(fixture('seed.csv'), 'utf8'),
  readFileSync(fixture('faithful-cuts.csv'), 'utf8').replace(/^[^\n]*/, 'Var,partition1,partition2'),
];

/** Text to splice in: CSV syntax, and numbers and non-numbers of every awkward kind. */
const TOKENS = [
  '"', '""', ',', ';', '\t', ' ', '\n', '\r', '\r\n', '\0', '\ufeff', 'é', '😀', '\u2028', '\\',
  'NaN', 'Infinity', '-Infinity', 'inf', '1e308', '-1e308', '1e400', '1e150', '1e-320', '5e-324', '1e-300',
  '0x10', '1,5', '1_000', '-0', '+', '-', '.', 'e', '1e', 'NA', 'null', '#N/A', '__proto__', 'constructor',
  '9'.repeat(400), '0.' + '1'.repeat(400), 'x'.repeat(5000),
];

/** Numbers that are valid but awkward, for edits that keep the file readable. */
const NUMBERS = [
  '-0', '+2.5', '.5', '5.', ' 3 ', '"4"', '1e150', '-1e150', '1e-150', '5e-324', '1e-300', '1e300', '1e9', '1000000000.5',
  '123456789012345678901234567890', '0.000000000000000000001', '2.50000000000000000001',
];
/** Labels that are valid but awkward. */
const LABELS = [
  '__proto__', 'constructor', 'toString', '"a,b"', '"with ""quotes"""', 'NaN', 'Infinity', '1e400', '😀', ' spaced ', '0', '-1', '1.0', '01',
  'x'.repeat(300),
];

/** The extra arguments of a case; most ask for JSON, whose output is checked. */
const VARIANTS = [
  ['--json'],
  ['--json'],
  ['--json'],
  ['--json', '--missing', 'skip'],
  ['--json', '--max-iter', '3'],
  ['--json', '--no-responsibilities', '--init', 'partition2'],
  ['--json', '--accel', 'squarem'],
  ['--format', 'csv'],
  ['--format', 'text', '--rows', 'all'],
];

type Mutation = (bytes: Buffer, u: () => number) => Buffer;

const at = (bytes: Buffer, u: () => number): number => randomInt(u, 0, bytes.length);
const splice = (bytes: Buffer, start: number, remove: number, insert: Buffer | string): Buffer =>
  Buffer.concat([bytes.subarray(0, start), Buffer.from(insert), bytes.subarray(start + remove)]);
const pick = <T>(u: () => number, items: readonly T[]): T => items[randomInt(u, 0, items.length - 1)];

/** Text as the latin1 string of its UTF-8 bytes: the form in which lines are edited, byte for byte. */
const raw = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** Edits a random line's fields (split on commas), keeping the rest of the file. */
function editLine(bytes: Buffer, u: () => number, edit: (fields: string[]) => string[]): Buffer {
  const lines = bytes.toString('latin1').split('\n');
  const i = randomInt(u, 0, lines.length - 1);
  lines[i] = edit(lines[i].split(',')).join(',');
  return Buffer.from(lines.join('\n'), 'latin1');
}

/** Edits the list of lines in place. */
function editLines(bytes: Buffer, edit: (lines: string[]) => void): Buffer {
  const lines = bytes.toString('latin1').split('\n');
  edit(lines);
  return Buffer.from(lines.join('\n'), 'latin1');
}

/** Rewrites every non-empty line after the first (the header, if it still is one). */
const eachDataLine = (bytes: Buffer, rewrite: (line: string) => string): Buffer =>
  editLines(bytes, (lines) => lines.forEach((line, i) => {
    if (i > 0 && line !== '') lines[i] = rewrite(line);
  }));

const MUTATIONS: Mutation[] = [
  // Bytes.
  (b, u) => splice(b, at(b, u), randomInt(u, 1, 3), ''),
  (b, u) => splice(b, at(b, u), 0, Buffer.from([randomInt(u, 0, 255)])),
  (b, u) => splice(b, at(b, u), 1, Buffer.from([randomInt(u, 0, 255)])),
  (b, u) => splice(b, at(b, u), 0, pick(u, TOKENS)),
  (b, u) => splice(b, at(b, u), 0, pick(u, TOKENS)),
  (b, u) => b.subarray(0, at(b, u)),
  (b) => Buffer.from(b.toString('latin1').replaceAll('\n', '\r\n'), 'latin1'),
  // Fields of one line: a token anywhere, an awkward number or label where one belongs, one
  // field more or less, every field quoted.
  (b, u) => editLine(b, u, (f) => f.map((v, j) => (j === randomInt(u, 0, f.length - 1) ? raw(pick(u, TOKENS)) : v))),
  (b, u) => editLine(b, u, (f) => (f.length === 3 ? [raw(pick(u, NUMBERS)), ...f.slice(1)] : f)),
  (b, u) => editLine(b, u, (f) => (f.length === 3 ? [raw(pick(u, NUMBERS)), ...f.slice(1)] : f)),
  (b, u) => editLine(b, u, (f) => (f.length === 3 ? [f[0], raw(pick(u, LABELS)), f[2]] : f)),
  (b, u) => editLine(b, u, (f) => (f.length === 3 ? [f[0], raw(pick(u, LABELS)), f[2]] : f)),
  (b, u) => editLine(b, u, (f) => [...f, pick(u, ['', 'extra', '1'])]),
  (b, u) => editLine(b, u, (f) => f.slice(0, -1)),
  (b, u) => editLine(b, u, (f) => f.map((v) => `"${v.replaceAll('"', '""')}"`)),
  // Lines: one duplicated or dropped, all data dropped.
  (b, u) => editLines(b, (l) => l.splice(randomInt(u, 0, l.length - 1), 0, l[randomInt(u, 0, l.length - 1)])),
  (b, u) => editLines(b, (l) => l.splice(randomInt(u, 0, l.length - 1), 1)),
  (b) => editLines(b, (l) => l.splice(1, l.length)),
  // The whole first column rescaled or made constant; the whole partition one label.
  (b, u) => {
    const exponent = pick(u, ['e300', 'e-300', 'e150', 'e-150', 'e15']);
    return eachDataLine(b, (line) => line.replace(/^([^,]*)/, `$1${exponent}`));
  },
  (b, u) => {
    const value = raw(pick(u, NUMBERS));
    return eachDataLine(b, (line) => line.replace(/^[^,]*/, value));
  },
  (b, u) => {
    const label = raw(pick(u, LABELS));
    return eachDataLine(b, (line) => line.replace(/^([^,]*),[^,]*/, `$1,${label}`));
  },
];

export interface Case {
  index: number;
  args: string[];
  input: Buffer;
}

export function makeCase(index: number, seed: number): Case {
  // A stream per case, keyed by (seed, case): a case is the same whatever the number of runs.
  const u = rng(seed, index);
  const extra = pick(u, VARIANTS);
  const args = ['-', '--var', 'Var', '--init', 'partition1', ...extra];
  if (u() < 0.1) return { index, args, input: randomBytes(randomInt(u, 0, 2 ** 31), randomInt(u, 0, 3000)) };
  let input: Buffer = Buffer.from(pick(u, BASES));
  const edits = randomInt(u, 1, 4);
  for (let e = 0; e < edits; e++) input = pick(u, MUTATIONS)(input, u);
  return { index, args, input };
}

