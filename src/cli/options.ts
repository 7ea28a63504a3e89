/**
 * The command line: argv → a typed request. Every value is checked here, so that the
 * layers below receive only valid settings; a bad value is a usage error (exit 2).
 */
import { Command, CommanderError, Option } from 'commander';
import { usageError } from '../errors.js';
import type { Acceleration } from '../em/em.js';
import type { MissingPolicy } from '../io/csv.js';

export type Format = 'text' | 'json' | 'csv';

export interface FitRequest {
  file: string;
  var: string;
  init?: string;
  header: boolean;
  delimiter: string;
  missing: MissingPolicy;
  maxIter: number;
  rtol: number;
  minVariance?: number;
  format: Format;
  /** Rows of the text responsibility table; Infinity for all. */
  rows: number;
  responsibilities: boolean;
  strict: boolean;
  quiet: boolean;
  timings: boolean;
  accel: Acceleration;
  /** Threads for the passes over the data; null chooses from the data size. */
  threads: number | null;
}

/** What the command line asked for: a fit, or nothing more to do (help or version shown). */
export type Parsed = { kind: 'fit'; request: FitRequest } | { kind: 'done' };

const DEFAULTS = { maxIter: 1000, rtol: 1e-8, rows: 20 };

const EXAMPLES = `
Examples:
  em-fit data.csv --var Var --init partition1
  em-fit data.csv --var Var --init partition1 --json | jq '.components[].mean'
  em-fit data.csv --var Var --init partition1 --format csv > responsibilities.csv
  cat data.csv | em-fit - --var Var --init partition1 --rows all

Exit codes: 0 fit done (also when not converged, with a warning), 2 usage,
3 input (file, column or value), 4 the fit is impossible, 130 interrupted.`;

export function program(version: string): Command {
  return new Command('em-fit')
    .description('Fit a finite Gaussian mixture by EM to a numeric column of a CSV file.')
    .version(version, '-V, --version')
    .argument('<file>', 'CSV file to read, or - for standard input')
    .requiredOption('--var <column>', 'numeric column to fit (a header name, or a number from 1 with --no-header)')
    .option('--init <column>', 'column holding the starting partition: one label per row, K = number of labels')
    .option('--no-header', 'the file has no header row; name columns by number, from 1')
    .option('-d, --delimiter <char>', 'field delimiter (one character; \\t or "tab" for tab)', ',')
    .addOption(new Option('--missing <policy>', 'what an empty or NA cell in a column in use does').choices(['error', 'skip']).default('error'))
    .option('--max-iter <n>', 'maximum EM iterations (0 reports the starting parameters)', String(DEFAULTS.maxIter))
    .option('--rtol <x>', 'stop when |ℓ(t) − ℓ(t−1)| ≤ rtol·|ℓ(t−1)|', String(DEFAULTS.rtol))
    .addOption(new Option('--accel <method>', 'acceleration: none (plain EM) or squarem (extrapolation steps, monotone)').choices(['none', 'squarem']).default('none'))
    .option('--min-variance <v>', 'variance floor (default: (resolution of the data)²/12, see README)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'csv']).default('text'))
    .option('--json', 'same as --format json')
    .option('--rows <n>', 'rows of the responsibility table in text output, or "all"', String(DEFAULTS.rows))
    .option('--no-responsibilities', 'leave out the per-row responsibilities and classification')
    .option('--strict', 'exit 4 when EM has not converged')
    .option('-q, --quiet', 'no warnings on standard error (they stay in JSON output)')
    .option('--threads <n>', 'threads for the passes over the data, or "auto": all cores from 200,000 rows up', 'auto')
    .option('--timings', 'print the time spent reading, fitting and writing, and the peak memory, on standard error')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
}

const wholeNumber = (text: string, name: string, min: number): number => {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < min) {
    throw usageError(`${name} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return v;
};

const positiveNumber = (text: string, name: string, allowZero: boolean): number => {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw usageError(`${name} must be a number ${allowZero ? '≥' : '>'} 0, got ${JSON.stringify(text)}`);
  }
  return v;
};

function delimiter(text: string): string {
  if (text === '\\t' || text.toLowerCase() === 'tab') return '\t';
  if ([...text].length !== 1 || text === '"' || text === '\n' || text === '\r') {
    throw usageError(`--delimiter must be one character other than a quote or a line break, got ${JSON.stringify(text)}`);
  }
  return text;
}

function column(text: string, name: string, header: boolean): string {
  if (!header) wholeNumber(text, `${name} (a column number with --no-header)`, 1);
  else if (text.trim() === '') throw usageError(`${name} needs a column name`);
  return text;
}

/** Parses argv (node, script, args…). Throws an EmFitError (exit 2) for usage errors. */
export function parseArgs(argv: string[], version: string): Parsed {
  const cmd = program(version);
  try {
    cmd.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return { kind: 'done' };
      throw usageError(`${error.message.replace(/^error: /, '')} (em-fit --help lists the options)`);
    }
    throw error;
  }
  const o = cmd.opts();
  const header = o.header as boolean;
  const rows = (o.rows as string).trim().toLowerCase() === 'all' ? Infinity : wholeNumber(o.rows, '--rows', 0);
  if (o.json && o.format !== 'text' && o.format !== 'json') throw usageError(`--json contradicts --format ${o.format}`);
  const request: FitRequest = {
    file: cmd.args[0],
    var: column(o.var, '--var', header),
    header,
    delimiter: delimiter(o.delimiter),
    missing: o.missing as MissingPolicy,
    maxIter: wholeNumber(o.maxIter, '--max-iter', 0),
    rtol: positiveNumber(o.rtol, '--rtol', true),
    accel: o.accel as Acceleration,
    format: o.json ? 'json' : (o.format as Format),
    rows,
    responsibilities: o.responsibilities as boolean,
    strict: Boolean(o.strict),
    quiet: Boolean(o.quiet),
    timings: Boolean(o.timings),
    threads: o.threads === 'auto' ? null : wholeNumber(o.threads, '--threads', 1),
  };
  if (o.init !== undefined) request.init = column(o.init, '--init', header);
  if (o.minVariance !== undefined) request.minVariance = positiveNumber(o.minVariance, '--min-variance', false);
  if (request.init === undefined) throw usageError('--init <column> is required: the column holding the starting partition');
  return { kind: 'fit', request };
}
