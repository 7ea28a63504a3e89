/**
 * The command line: argv → a typed request. Every value is checked here, so that the
 * layers below receive only valid settings; a bad value is a usage error (exit 2).
 */
import { Command, CommanderError, Option } from 'commander';
import { usageError } from '../errors.js';
import type { Acceleration } from '../em/em.js';
import type { MissingPolicy } from '../io/csv.js';
import type { Encoding } from '../io/decode.js';
import { MAX_FLOOR, MIN_FLOOR } from '../models/floor.js';
import type { VarianceModel } from '../models/gaussian.js';
import { COVARIANCE_MODELS, type CovarianceModel, isCovarianceModel } from '../models/mvgaussian/models.js';
import { type DfModel, FAMILY_NAMES, type FamilyName, likelihoodKind } from '../models/registry.js';
import type { Criterion } from '../select/criteria.js';
import type { Guard } from '../select/search.js';
import type { InitMethod } from '../select/starts.js';
import { suggestion } from '../io/hints.js';
import { completionScript } from './completion.js';
import { manPage } from './manpage.js';
import { checkPlotFile } from './plot.js';
import { quote } from '../text.js';

/**
 * What standard output holds: the text report, the JSON document, one line per data row
 * (csv, ndjson: see report/csv.ts), or the parameter table as CSV (params; also csv with
 * --no-responsibilities).
 */
export type Format = 'text' | 'json' | 'csv' | 'ndjson' | 'params';

/** When text output and messages are coloured (--color): see colourLevel in io.ts. */
export type ColorMode = 'auto' | 'always' | 'never';

/** Options shared by `em-fit` (fit) and `em-fit predict`: how to read, what to print. */
export interface CommonRequest {
  file: string;
  /** The file argument was given; false when standard input was read for want of one. */
  fileGiven: boolean;
  header: boolean;
  delimiter: string;
  /** Numbers are written with a decimal comma, `1,5` (--decimal-comma). */
  decimalComma: boolean;
  /** How a file without a byte-order mark is decoded (--encoding). */
  encoding: Encoding;
  missing: MissingPolicy;
  weight?: string;
  format: Format;
  /** The column copied into each line of CSV or NDJSON output to join it back by (--id). */
  id?: string;
  /** Rows of the text responsibility table; Infinity for all. */
  rows: number;
  responsibilities: boolean;
  quiet: boolean;
  color: ColorMode;
  /** Write the pictures here: SVG, or the Vega-Lite specification for *.vl.json (--plot). */
  plot?: string;
  /** Draw the histogram of the fit in text output (--no-plot hides it). */
  textPlot: boolean;
}

export interface PredictRequest extends CommonRequest {
  model: string;
  /** The column to score; by default the model's own. */
  var?: string;
}

export interface FitRequest extends CommonRequest {
  /** Every file named, in order: several make a batch, one fit each (`file` is the one being fitted). */
  files: string[];
  /** --var as given: one column, or several separated by commas. */
  var: string;
  /** The numeric columns of --var, d ≥ 1 of them, in order. */
  vars: string[];
  /** Covariance models from --model (d > 1), or null (VVV from a partition, all fourteen in a search). */
  models: CovarianceModel[] | null;
  init?: string;
  /** A saved model to start from (--init-model). */
  initModel?: string;
  /** Fit each group of this column separately (--by). */
  by?: string;
  /** Write the fitted model here (--save-model). */
  saveModel?: string;
  maxIter: number;
  rtol: number;
  minVariance?: number;
  /** The data's recording resolution δ, when the user gives it (--resolution). */
  resolution?: number;
  /** How degenerate components are kept out: 'auto' is penalty in a search, none otherwise. */
  guard: Guard | 'auto';
  /** Add standard errors from the observed information. */
  se: boolean;
  strict: boolean;
  timings: boolean;
  /** 'auto': plain EM from a given partition, SQUAREM in a model search. */
  accel: Acceleration | 'auto';
  /** Candidate K from --k, or null (from the labels with --init, else DEFAULT_K). */
  k: number[] | null;
  /** Variance models from --variance, or null (unequal with --init, else both). */
  variances: VarianceModel[] | null;
  /** Families from --family: a list, 'auto' (those whose domain holds the data), or null (gaussian; a model file's own). */
  families: FamilyName[] | 'auto' | null;
  /** The t family's degrees of freedom from --df, or null ('each'). */
  df: DfModel | null;
  criterion: Criterion;
  initMethod: InitMethod;
  nInit: number;
  seed: number;
  /** Threads for the passes over the data; null chooses from the data size. */
  threads: number | null;
}

/**
 * What the command line asked for: a fit or a prediction (with warnings about options that
 * do not apply to it), a text to print (help, usage, a completion script, the manual page)
 * and the exit code after it, or nothing more (commander has shown the help or version).
 */
export type Parsed =
  | { kind: 'fit'; request: FitRequest; warnings: string[] }
  | { kind: 'predict'; request: PredictRequest; warnings: string[] }
  | { kind: 'print'; text: string; to: 'stdout' | 'stderr'; code: 0 | 2 }
  | { kind: 'done' };

const DEFAULTS = { maxIter: 1000, rtol: 1e-8, rows: 20, nInit: 10, seed: 0 };

/** Candidates searched without --init or --k, as mclust's default G = 1:9. */
export const DEFAULT_K = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Largest K accepted by --k. */
const MAX_K = 100;

/** The subcommands besides a fit, dispatched on the first argument. */
export const COMMANDS = ['predict', 'help', 'completion', 'man'] as const;

/** Shells `em-fit completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** What em-fit does, in the usage, the help and the manual page. */
const DESCRIPTION =
  'Fit a finite mixture by EM to a numeric column of a CSV file: Gaussian components, or\nanother family (--family poisson, exponential, lognormal, gamma, weibull, t); to several\ncolumns (--var a,b,c), a multivariate Gaussian mixture (--model: covariance models).';

export const USAGE = `Usage: em-fit <file...|-> --var <column> [options]
       em-fit predict <model.json> <file|-> [options]
       em-fit help [predict] | completion bash|zsh|fish | man`;

const EXAMPLES = `
Examples:
  em-fit data.csv --var x --init g
  em-fit data.csv --var x --init g --json | jq '.components[].mean'
  em-fit data.csv --var x --k 1:6 --json | jq '.selection[].bic'
  em-fit data.csv --var x --k 3 --format csv > responsibilities.csv
  em-fit runs/*.csv --var x --k 1:4 --json > fits.ndjson
  em-fit data.csv --var x,y,z --k 1:5 --model diag,full
  cat data.csv | em-fit --var x --k 1:5 --rows all`;

export const EXIT_CODES = `Exit codes: 0 fit done (also when not converged, with a warning), 1 a bug
in em-fit (please report it), 2 usage, 3 input (file, column or value), 4 the
fit is impossible, 5 output (a full disk), 130 interrupted.`;

/** What `em-fit` alone prints, on stderr: the usage and where to read more. */
export const shortUsage = (): string =>
  `${USAGE}\n\n${DESCRIPTION}\n${EXAMPLES}\n\nem-fit --help lists the options; em-fit man prints the manual page.\n`;

/**
 * Options that must be given, shown as such in the help and the manual page. Checked after
 * parsing rather than by commander, which would report a missing --var before an unknown
 * option and so hide the "did you mean" of a misspelt `--vra`.
 */
const requiredOptions = new WeakSet<Option>();

export const isRequired = (option: Option): boolean => requiredOptions.has(option);

/**
 * Words the completion scripts offer for an option whose value is not limited to choices
 * (--family also takes lists, --df a number): the names among its values.
 */
const suggestedValues = new WeakMap<Option, readonly string[]>();

export const valuesToComplete = (option: Option): readonly string[] | null => option.argChoices ?? suggestedValues.get(option) ?? null;

function suggesting(option: Option, values: readonly string[]): Option {
  suggestedValues.set(option, values);
  return option;
}

function required(option: Option): Option {
  requiredOptions.add(option);
  return option;
}

/** Reading options, the same for fit and predict. */
function inputOptions(cmd: Command): Command {
  return cmd
    .option('--weight <column>', 'column of frequency weights: a row of weight w counts as w copies (fractions allowed, 0 ignores the row)')
    .option('--no-header', 'the file has no header row; name columns by number, from 1')
    .addOption(new Option('-d, --delimiter <char>', 'field delimiter, one character; \\t or "tab" for tab').default(undefined, '","; tab for .tsv and .tab files, ";" with --decimal-comma'))
    .option('--decimal-comma', 'numbers are written with a decimal comma (1,5); a point in a number is then an error')
    .addOption(new Option('--encoding <name>', 'encoding of a file without a byte-order mark: UTF-8, or Latin-1 (read as Windows-1252); UTF-16 is known by its mark').choices(['utf8', 'latin1']).default('utf8'))
    .addOption(new Option('--missing <policy>', 'what an empty or NA cell in a column in use does: stop with an error, or skip the row').choices(['error', 'skip']).default('error'));
}

/** Output options, the same for fit and predict (`groups`: the command has --by). */
function outputOptions(cmd: Command, groups: boolean): Command {
  return cmd
    .addOption(
      new Option('--format <format>', 'output: text; json (one document); csv or ndjson (one line per data row, in input order, left-out rows included); params (the parameter table as CSV)')
        .choices(['text', 'json', 'csv', 'ndjson', 'params'])
        .default('text'),
    )
    .option('--json', 'same as --format json')
    .option('--rows <n>', 'rows of the responsibility table in text output, or "all"', String(DEFAULTS.rows))
    .option('--id <column>', 'with csv or ndjson: copy this column into each line (csv: instead of the input\'s columns and row)')
    .option('--no-responsibilities', 'leave out the per-row responsibilities and classification (with csv: the parameter table, as --format params)')
    .option('--plot <file>', `write the pictures to FILE.svg, or their Vega-Lite specification to FILE.vl.json${groups ? ' (with --by, one file per group)' : ''}`)
    .option('--no-plot', 'no histogram of the fit in text output')
    .addOption(new Option('--color <when>', 'colour in text output and messages; auto: on a terminal, unless NO_COLOR is set or TERM=dumb (FORCE_COLOR forces it)').choices(['auto', 'always', 'never']).default('auto'))
    .option('-q, --quiet', 'no warnings on standard error (they stay in JSON output)');
}

/** The default of an option as the help shows it: its description, else its value; none for flags. */
export function shownDefault(option: Option): string | undefined {
  if (option.defaultValueDescription !== undefined) return option.defaultValueDescription;
  if (option.defaultValue === undefined || typeof option.defaultValue === 'boolean') return undefined;
  return String(option.defaultValue);
}

/**
 * One style for every option in the help and the manual page: the description, then the
 * choices, and "required" or the default: `(one of text, json, csv; default: text)`.
 */
export function optionDescription(option: Option): string {
  const notes = [
    ...(option.argChoices ? [`one of ${option.argChoices.join(', ')}`] : []),
    ...(isRequired(option) ? ['required'] : []),
    ...(shownDefault(option) === undefined ? [] : [`default: ${shownDefault(option)}`]),
  ];
  return notes.length === 0 ? option.description : `${option.description} (${notes.join('; ')})`;
}

/** Columns the help is wrapped to: the terminal's, 80 off a terminal. */
const helpWidth = (): number => (process.stdout.isTTY ? (process.stdout.columns ?? 80) : 80);

const finish = (cmd: Command, after: string): Command =>
  cmd
    .addHelpText('after', after)
    .configureHelp({ optionDescription, helpWidth: helpWidth() })
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: () => {} });

export function program(version: string): Command {
  const cmd = new Command('em-fit')
    .usage(USAGE.replace(/^Usage: em-fit /, ''))
    .description(`${DESCRIPTION}\nAlso: em-fit predict MODEL.json <file|-> (em-fit help predict).`)
    .version(version, '-V, --version')
    .argument('[file...]', 'CSV file to read, or - for standard input (the default when standard input is not a terminal); several files are fitted one by one, each on its own (a batch)')
    .addOption(required(new Option('--var <column>', 'numeric column to fit (a header name, or a number from 1 with --no-header); several, as a,b,c, fit a multivariate Gaussian mixture')))
    .addOption(suggesting(new Option('--model <list>', `with several --var columns: covariance models among ${COVARIANCE_MODELS.join(', ')} (or spherical, diag, tied, full; all); a list to compare`).default(undefined, 'VVV with --init, all in a search'), [...COVARIANCE_MODELS, ...Object.keys(MODEL_ALIASES), 'all']))
    .option('--init <column>', 'column holding the starting partition: one label per row, K = number of labels')
    .option('--init-model <file>', 'start from a model saved by --save-model (a warm start); K is the model\'s')
    .addOption(new Option('--k <list>', 'without --init: candidate numbers of components, as N, A:B or A,B,C').default(undefined, '1:9'))
    .addOption(suggesting(new Option('--family <name>', `component family: ${FAMILY_NAMES.join(', ')}; a list (a,b) or auto to compare them by the criterion`).default(undefined, 'gaussian'), [...FAMILY_NAMES, 'auto']))
    .addOption(suggesting(new Option('--df <df>', 'degrees of freedom of the t family: each (one per component), shared (one for all), or a number to fix them').default(undefined, 'each'), ['each', 'shared']))
    .addOption(new Option('--variance <model>', 'variance model: one per component (unequal), one pooled (equal), or fit both and compare').choices(['unequal', 'equal', 'both']).default(undefined, 'unequal with --init, both in a search'))
    .addOption(new Option('--criterion <name>', 'criterion that ranks the candidates (lower is better)').choices(['bic', 'aic', 'icl']).default('bic'))
    .addOption(new Option('--init-method <method>', 'random starts of a model search').choices(['kmeans++', 'quantiles', 'random']).default('kmeans++'))
    .option('--n-init <r>', 'starts of --init-method per candidate in a model search', String(DEFAULTS.nInit))
    .option('--seed <s>', 'seed of the starts of a model search: the same seed, input and options give the same output', String(DEFAULTS.seed))
    .option('--by <column>', 'fit each group of rows with the same value in this column separately');
  inputOptions(cmd)
    .option('--max-iter <n>', 'maximum EM iterations (0 reports the starting parameters)', String(DEFAULTS.maxIter))
    .option('--rtol <x>', 'stop when |ℓ(t) − ℓ(t−1)| ≤ rtol·|ℓ(t−1)|', String(DEFAULTS.rtol))
    .addOption(new Option('--accel <method>', 'acceleration: none (plain EM), squarem (monotone extrapolation steps), or auto: none from --init, squarem in a model search').choices(['auto', 'none', 'squarem']).default('auto'))
    .addOption(new Option('--resolution <delta>', 'the recording resolution of the values').default(undefined, 'from the values and their written decimals'))
    .addOption(new Option('--min-variance <v>', 'variance floor').default(undefined, 'resolution²/12'))
    .addOption(new Option('--guard <guard>', 'against spurious components: reject (degenerate fits rejected), penalty (also a penalty on small variances), none, or auto: reject in a model search, none from --init or --init-model').choices(['auto', 'reject', 'penalty', 'none']).default('auto'));
  outputOptions(cmd, true)
    .option('--se', 'standard errors of the weights, means and variances, from the observed information')
    .option('--save-model <file>', 'write the fitted model to this JSON file (with --by, one file per group)')
    .option('--strict', 'exit 4 when EM has not converged')
    .option('--threads <n>', 'threads for the passes over the data, or "auto": all cores from 200,000 rows up (500 in a model search)', 'auto')
    .option('--timings', 'print the time spent reading, fitting and writing, and the peak memory, on standard error');
  return finish(cmd, `${EXAMPLES}\n\n${EXIT_CODES}`);
}

const PREDICT_EXAMPLES = `
Examples:
  em-fit data.csv --var x --k 1:5 --save-model model.json
  em-fit predict model.json new.csv
  em-fit predict model.json new.csv --json | jq '.loglik'
  em-fit predict model.json new.csv --format csv > scored.csv`;

export function predictProgram(): Command {
  const cmd = new Command('em-fit predict')
    .usage('<model.json> <file|-> [options]')
    .description('Score new data with a saved model: responsibilities, classification and log-density of each row, and the total log-likelihood.')
    .argument('<model>', 'model file written by em-fit --save-model')
    .argument('[file]', 'CSV file to read, or - for standard input (the default when standard input is not a terminal)')
    .addOption(new Option('--var <column>', 'numeric column to score; as a,b,c for a model of several columns').default(undefined, 'the columns the model was fitted to'));
  inputOptions(cmd);
  outputOptions(cmd, false);
  return finish(cmd, `${PREDICT_EXAMPLES}\n\n${EXIT_CODES}`);
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

/** Parses --family: a name, a comma-separated list of names (without repeats), or auto. */
export function parseFamilies(text: string): FamilyName[] | 'auto' {
  if (text.trim().toLowerCase() === 'auto') return 'auto';
  const names = text.split(',').map((t) => t.trim().toLowerCase());
  for (const name of names) {
    if (!FAMILY_NAMES.includes(name as FamilyName)) throw usageError(`--family must name families among ${FAMILY_NAMES.join(', ')} (or be auto), got ${JSON.stringify(name)}`);
  }
  const families = [...new Set(names)] as FamilyName[];
  // Before the file is read: the list alone decides it.
  if (new Set(families.map(likelihoodKind)).size > 1) {
    throw usageError(`--family ${families.join(',')} mixes probabilities of counts (poisson) with densities (${families.filter((f) => likelihoodKind(f) === 'density').join(', ')}), whose likelihoods do not compare; fit them apart`);
  }
  return families;
}

/** Parses --df: each, shared, or a number of degrees of freedom from 0.5 to 200 (the t family's bounds). */
export function parseDf(text: string): DfModel {
  const t = text.trim().toLowerCase();
  if (t === 'each' || t === 'shared') return t;
  const v = Number(t);
  if (t === '' || !Number.isFinite(v) || v < 0.5 || v > 200) throw usageError(`--df must be each, shared, or a number from 0.5 to 200, got ${JSON.stringify(text)}`);
  return v;
}

/** Parses --k: N, A:B (inclusive) or A,B,C; sorted, without repeats. */
export function parseK(text: string): number[] {
  const bad = (): never => {
    throw usageError(`--k must be N, A:B or A,B,C with whole numbers from 1 to ${MAX_K}, got ${JSON.stringify(text)}`);
  };
  const one = (part: string): number => {
    const v = Number(part);
    return /^\s*\d+\s*$/.test(part) && v >= 1 && v <= MAX_K ? v : bad();
  };
  const range = text.split(':');
  let ks: number[];
  if (range.length === 2) {
    const [a, b] = range.map(one);
    if (a > b) bad();
    ks = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (range.length === 1) {
    ks = text.split(',').map(one);
  } else {
    ks = bad();
  }
  return [...new Set(ks)].sort((a, b) => a - b);
}

/** scikit-learn's covariance types, as the mclust models they are. */
const MODEL_ALIASES: Record<string, CovarianceModel> = { spherical: 'VII', diag: 'VVI', tied: 'EEE', full: 'VVV' };

/** Parses --model: mclust's names or scikit-learn's, comma-separated, or all; in mclust's order, without repeats. */
export function parseModels(text: string): CovarianceModel[] {
  const names = text.split(',').map((t) => t.trim());
  if (names.length === 1 && names[0].toLowerCase() === 'all') return [...COVARIANCE_MODELS];
  const models = names.map((name) => {
    const model = MODEL_ALIASES[name.toLowerCase()] ?? name.toUpperCase();
    if (!isCovarianceModel(model)) throw usageError(`--model must name covariance models among ${COVARIANCE_MODELS.join(', ')} or spherical, diag, tied, full (or be all), got ${JSON.stringify(name)}`);
    return model;
  });
  return COVARIANCE_MODELS.filter((m) => models.includes(m));
}

/** Parses --var: one column, or several separated by commas (each a name, or a number with --no-header), without repeats. */
function parseVars(text: string, header: boolean): string[] {
  const names = text.includes(',') ? text.split(',').map((t) => t.trim()) : [text];
  const vars = names.map((name) => column(name, '--var', header));
  const repeated = vars.find((v, i) => vars.indexOf(v) !== i);
  if (repeated !== undefined) throw usageError(`--var names the column ${JSON.stringify(repeated)} twice`);
  return vars;
}

function column(text: string, name: string, header: boolean): string {
  if (!header) wholeNumber(text, `${name} (a column number with --no-header)`, 1);
  else if (text.trim() === '') throw usageError(`${name} needs a column name`);
  return text;
}

/** Parses with commander; null when help or the version was shown. */
function parseWith(cmd: Command, args: string[], help: string): Command | null {
  // An option that takes a value, given twice with two values, is two answers to one
  // question (commander would keep the last in silence).
  const given = new Map<string, string>();
  for (const option of cmd.options) {
    if (!option.required && !option.optional) continue;
    const name = option.long ?? option.short ?? option.name();
    cmd.on(`option:${option.name()}`, (value: unknown) => {
      const text = String(value);
      const before = given.get(name);
      if (before !== undefined && before !== text) throw usageError(`${name} was given twice, as ${quote(before)} and as ${quote(text)}; give it once (${help} lists the options)`);
      given.set(name, text);
    });
  }
  try {
    cmd.parse(args, { from: 'user' });
    return cmd;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return null;
      // Commander puts its suggestion on a second line: "(Did you mean --var?)".
      const message = error.message.replace(/^error: /, '').replace(/\.?\s*\n\(Did you mean (.*)\?\)$/, '; did you mean $1?');
      throw usageError(`${message} (${help} lists the options)`);
    }
    throw error;
  }
}

/** Where the text histogram and the pictures were asked for: --plot FILE and --no-plot share commander's attribute, so they are told apart by their events. */
function plotEvents(cmd: Command): { file?: string; noHistogram: boolean } {
  const plot: { file?: string; noHistogram: boolean } = { noHistogram: false };
  cmd.on('option:plot', (file: string) => {
    plot.file = file;
  });
  cmd.on('option:no-plot', () => {
    plot.noHistogram = true;
  });
  return plot;
}

/** Files read with tabs between fields when no delimiter is given. */
const TAB_SEPARATED = /\.(tsv|tab)$/i;

/**
 * The delimiter: -d as given; else a tab for .tsv and .tab files, a semicolon with
 * --decimal-comma (as R's read.csv2 and spreadsheets in such locales write), else a comma.
 */
function resolveDelimiter(o: Record<string, any>, file: string): string {
  if (o.delimiter !== undefined) {
    // With -d , too: numbers with a decimal comma are then quoted ("1,5"); an unquoted one
    // splits its row, which the reader reports as a row of too many fields.
    return delimiter(o.delimiter);
  }
  if (TAB_SEPARATED.test(file)) return '\t';
  return o.decimalComma ? ';' : ',';
}

/** The input: the file argument, or standard input when none is given and it is not a terminal. */
function inputFile(file: string | undefined, stdinIsTerminal: boolean, help: string): string {
  if (file !== undefined) return file;
  if (stdinIsTerminal) throw usageError(`no input: give a CSV file, - for standard input, or pipe the data in (${help} lists the options)`);
  return '-';
}

/** Options given on the command line, as opposed to their defaults. */
const given = (cmd: Command, key: string): boolean => cmd.getOptionValueSource(key) === 'cli';

/** The options common to fit and predict, checked. */
function common(cmd: Command, fileArgument: string | undefined, stdinIsTerminal: boolean, help: string, plot: { file?: string; noHistogram: boolean }): CommonRequest {
  const file = inputFile(fileArgument, stdinIsTerminal, help);
  const o = cmd.opts();
  const header = o.header as boolean;
  if (o.json && given(cmd, 'format') && o.format !== 'json') throw usageError(`--json contradicts --format ${o.format}; give one of them`);
  let format: Format = o.json ? 'json' : (o.format as Format);
  if (format === 'csv' && o.responsibilities === false) format = 'params';
  if (format === 'ndjson' && o.responsibilities === false) throw usageError('--format ndjson writes the rows\' responsibilities, which --no-responsibilities leaves out; use --format params for the parameters');
  if (o.id !== undefined && format !== 'csv' && format !== 'ndjson') throw usageError(`--id names the column that joins each line of csv or ndjson output back to the input; --format ${format}${o.responsibilities === false ? ' (csv with --no-responsibilities)' : ''} has no such lines`);
  const request: CommonRequest = {
    file,
    fileGiven: fileArgument !== undefined,
    header,
    delimiter: resolveDelimiter(o, file),
    decimalComma: Boolean(o.decimalComma),
    encoding: o.encoding as Encoding,
    missing: o.missing as MissingPolicy,
    format,
    rows: (o.rows as string).trim().toLowerCase() === 'all' ? Infinity : wholeNumber(o.rows, '--rows', 0),
    responsibilities: o.responsibilities as boolean,
    quiet: Boolean(o.quiet),
    color: o.color as ColorMode,
    textPlot: !plot.noHistogram,
  };
  if (o.weight !== undefined) request.weight = column(o.weight, '--weight', header);
  if (o.id !== undefined) request.id = column(o.id, '--id', header);
  if (plot.file !== undefined) {
    checkPlotFile(plot.file);
    request.plot = plot.file;
  }
  return request;
}

/**
 * Options that the request makes pointless: each is a warning (the run does what it would do
 * without the option). Options that contradict each other are errors, thrown where they are
 * parsed (--json with another --format, --init with --init-model).
 */
function ignoredOutputOptions(cmd: Command, request: CommonRequest): string[] {
  const warnings: string[] = [];
  const format = request.format === 'text' ? null : request.format === 'params' ? '--format params' : `${request.format.toUpperCase()} output`;
  if (format !== null) {
    if (given(cmd, 'rows')) warnings.push(`--rows applies to text output only; ignored with ${format}`);
    if (!request.textPlot) warnings.push(`--no-plot hides the histogram of text output; ignored with ${format}`);
  } else if (given(cmd, 'rows') && !request.responsibilities) {
    warnings.push('--rows sizes the responsibility table, which --no-responsibilities leaves out; ignored');
  }
  return warnings;
}

/**
 * The request names one family and one model of it (one variance model for the Gaussian, one
 * covariance model for several columns), so that a search over one K has one candidate.
 */
function oneStructure(request: FitRequest): boolean {
  if (request.vars.length > 1) return request.models?.length === 1;
  const families = request.families;
  if (families === 'auto' || (families !== null && families.length > 1)) return false;
  const gaussian = families === null || families[0] === 'gaussian';
  return !gaussian || request.variances?.length === 1;
}

function ignoredFitOptions(cmd: Command, request: FitRequest): string[] {
  const warnings = ignoredOutputOptions(cmd, request);
  const start = request.init !== undefined ? '--init' : request.initModel !== undefined ? '--init-model' : null;
  if (start !== null) {
    for (const [key, flag] of [['nInit', '--n-init'], ['initMethod', '--init-method'], ['seed', '--seed']]) {
      if (given(cmd, key)) warnings.push(`${flag} applies to a model search only; with ${start} the fit starts from ${start === '--init' ? 'the partition' : 'the model'}, so it is ignored`);
    }
    if (given(cmd, 'criterion') && request.vars.length === 1 && request.variances?.length !== 2) {
      warnings.push(`--criterion ranks candidate models, but with ${start} and one variance model there is one fit; ignored (--variance both compares two)`);
    }
    if (given(cmd, 'criterion') && request.vars.length > 1 && (request.models?.length ?? 1) === 1) {
      warnings.push(`--criterion ranks candidate models, but with ${start} and one covariance model there is one fit; ignored (--model a,b compares several)`);
    }
  }
  if (start === null && given(cmd, 'criterion') && request.k?.length === 1 && oneStructure(request)) {
    const model = request.vars.length > 1 ? 'one covariance model' : 'one family and one variance model';
    warnings.push(`--criterion ranks candidate models, but --k ${request.k[0]} with ${model} is one candidate; ignored`);
  }
  if (request.se && (request.format === 'csv' || request.format === 'ndjson')) warnings.push(`--se: standard errors are not part of ${request.format.toUpperCase()} output (text, JSON and --format params have them); ignored`);
  return warnings;
}

/**
 * Parses argv (node, script, args…). Throws an EmFitError (exit 2) for usage errors.
 * `stdinIsTerminal` decides whether a missing file argument means standard input.
 */
export function parseArgs(argv: string[], version: string, stdinIsTerminal = true): Parsed {
  const args = argv.slice(2);
  if (args.length === 0) return { kind: 'print', text: shortUsage(), to: 'stderr', code: 2 };
  switch (args[0]) {
    case 'help':
      return { kind: 'print', text: helpText(args.slice(1), version), to: 'stdout', code: 0 };
    case 'completion':
      return { kind: 'print', text: completionText(args.slice(1), version), to: 'stdout', code: 0 };
    case 'man':
      if (args.length > 1) throw usageError(`em-fit man takes no arguments, got ${JSON.stringify(args[1])}`);
      return { kind: 'print', text: manText(version), to: 'stdout', code: 0 };
    case 'predict':
      return parsePredict(args.slice(1), stdinIsTerminal);
  }
  const cmd = program(version);
  const plot = plotEvents(cmd);
  if (parseWith(cmd, args, 'em-fit --help') === null) return { kind: 'done' };
  const o = cmd.opts();
  if (o.var === undefined) {
    // `em-fit halp`: a misspelt command reads as a file name without options.
    const command = cmd.args.length >= 1 && !/[./\\]/.test(cmd.args[0]) ? suggestion(cmd.args[0], COMMANDS, (c) => `em-fit ${c}`) : '';
    throw usageError(`--var <column> is required: the numeric column to fit (em-fit --help lists the options)${command}`);
  }
  const base = common(cmd, cmd.args[0], stdinIsTerminal, 'em-fit --help', plot);
  const request: FitRequest = {
    ...base,
    files: cmd.args.length > 0 ? [...cmd.args] : [base.file],
    var: o.var as string,
    vars: parseVars(o.var as string, base.header),
    models: o.model === undefined ? null : parseModels(o.model as string),
    maxIter: wholeNumber(o.maxIter, '--max-iter', 0),
    rtol: positiveNumber(o.rtol, '--rtol', true),
    accel: o.accel as Acceleration | 'auto',
    k: o.k === undefined ? null : parseK(o.k),
    variances: o.variance === undefined ? null : o.variance === 'both' ? ['equal', 'unequal'] : [o.variance as VarianceModel],
    families: o.family === undefined ? null : parseFamilies(o.family),
    df: o.df === undefined ? null : parseDf(o.df),
    criterion: o.criterion as Criterion,
    initMethod: o.initMethod as InitMethod,
    nInit: wholeNumber(o.nInit, '--n-init', 1),
    seed: wholeNumber(o.seed, '--seed', 0),
    strict: Boolean(o.strict),
    timings: Boolean(o.timings),
    se: Boolean(o.se),
    guard: o.guard as Guard | 'auto',
    threads: o.threads === 'auto' ? null : wholeNumber(o.threads, '--threads', 1),
  };
  if (o.init !== undefined) request.init = column(o.init, '--init', base.header);
  if (o.by !== undefined) request.by = column(o.by, '--by', base.header);
  if (o.initModel !== undefined) request.initModel = o.initModel;
  if (o.saveModel !== undefined) request.saveModel = o.saveModel;
  if (o.resolution !== undefined) {
    const resolution = positiveNumber(o.resolution, '--resolution', false);
    const floor = (resolution * resolution) / 12;
    if (floor < MIN_FLOOR || floor > MAX_FLOOR) throw usageError(`--resolution must give a floor δ²/12 between ${MIN_FLOOR} and ${MAX_FLOOR}, got ${JSON.stringify(o.resolution)}`);
    request.resolution = resolution;
  }
  if (o.minVariance !== undefined) {
    const floor = positiveNumber(o.minVariance, '--min-variance', false);
    if (floor < MIN_FLOOR || floor > MAX_FLOOR) throw usageError(`--min-variance must lie between ${MIN_FLOOR} and ${MAX_FLOOR}, got ${JSON.stringify(o.minVariance)}`);
    request.minVariance = floor;
  }
  if (request.vars.length === 1 && request.models !== null) throw usageError('--model applies to several --var columns (a,b,…); for one column the variance model is --variance');
  if (request.vars.length > 1) {
    if (request.variances !== null) throw usageError('--variance applies to one --var column; for several the covariance model is --model');
    if (request.families !== null && !(request.families !== 'auto' && request.families.length === 1 && request.families[0] === 'gaussian')) {
      throw usageError(`several --var columns are fitted by a multivariate Gaussian mixture; --family ${o.family} applies to one column`);
    }
    if (request.df !== null) throw usageError('--df applies to the t family of one column');
  }
  if (request.files.length > 1) batchable(request);
  if (request.init !== undefined && request.initModel !== undefined) throw usageError('--init and --init-model both give the start; use one');
  if (request.init !== undefined && request.k !== null && request.k.length > 1) {
    throw usageError(`--k ${o.k} asks for a search over K, but with --init K is the number of labels; give one of them`);
  }
  if (request.initModel !== undefined && request.k !== null && request.k.length > 1) {
    throw usageError(`--k ${o.k} asks for a search over K, but with --init-model K is the model's; give one of them`);
  }
  return { kind: 'fit', request, warnings: ignoredFitOptions(cmd, request) };
}

function parsePredict(args: string[], stdinIsTerminal: boolean): Parsed {
  const cmd = predictProgram();
  if (args.length === 0) return { kind: 'print', text: cmd.helpInformation(), to: 'stderr', code: 2 };
  const plot = plotEvents(cmd);
  if (parseWith(cmd, args, 'em-fit predict --help') === null) return { kind: 'done' };
  const o = cmd.opts();
  const request: PredictRequest = { ...common(cmd, cmd.args[1], stdinIsTerminal, 'em-fit predict --help', plot), model: cmd.args[0] };
  if (o.var !== undefined) request.var = parseVars(o.var, request.header).join(',');
  return { kind: 'predict', request, warnings: ignoredOutputOptions(cmd, request) };
}

/** `em-fit help [command]`: the help of the program or of a command. */
function helpText(args: string[], version: string): string {
  const [topic, extra] = args;
  if (extra !== undefined) throw usageError(`em-fit help takes one command at most, got ${JSON.stringify(extra)}`);
  switch (topic) {
    case undefined:
      return program(version).helpInformation() + `${EXAMPLES}\n\n${EXIT_CODES}\n`;
    case 'predict':
      return predictProgram().helpInformation() + `${PREDICT_EXAMPLES}\n\n${EXIT_CODES}\n`;
    case 'help':
      return `Usage: em-fit help [predict|completion|man]\n\nPrints the help of em-fit or of one of its commands.\n`;
    case 'completion':
      return `Usage: em-fit completion bash|zsh|fish\n\n${COMPLETION_HELP}\n`;
    case 'man':
      return 'Usage: em-fit man\n\nPrints the manual page (roff), generated from the same option definitions as --help:\n  em-fit man | man -l -\n';
    default:
      throw usageError(`no command ${JSON.stringify(topic)}; the commands are ${COMMANDS.join(', ')}${suggestion(topic, COMMANDS)}`);
  }
}

/** `em-fit completion SHELL`: the completion script. */
function completionText(args: string[], version: string): string {
  const [shell, extra] = args;
  if (shell === undefined) throw usageError(`give the shell: em-fit completion bash|zsh|fish`);
  if (extra !== undefined) throw usageError(`em-fit completion takes one shell, got ${JSON.stringify(extra)}`);
  if (!(SHELLS as readonly string[]).includes(shell)) throw usageError(`no completion for ${JSON.stringify(shell)}; the shells are ${SHELLS.join(', ')}${suggestion(shell, SHELLS)}`);
  return completionScript(shell as (typeof SHELLS)[number], program(version), predictProgram(), COMMANDS, SHELLS);
}

const COMPLETION_HELP = `Prints a completion script for the shell: the commands, the options, their choices and
file names. Load it in ~/.bashrc with
  eval "$(em-fit completion bash)"
in ~/.zshrc with
  eval "$(em-fit completion zsh)"; compdef _em-fit em-fit
or in fish with
  em-fit completion fish | source
(or save the script where the shell looks: ~/.config/fish/completions/em-fit.fish).`;

/** The manual page (roff). */
function manText(version: string): string {
  const fit = program(version);
  return manPage(fit, predictProgram(), version, { usage: USAGE.replace(/^Usage: /, '').replace(/^ {7}/gm, ''), description: fit.description(), examples: EXAMPLES, exitCodes: EXIT_CODES, commands: COMMANDS });
}

/**
 * Refuses what a batch of files cannot do: per-row output (its columns are each file's own),
 * one output file for every fit (--save-model, --plot), --by, standard input named twice.
 */
function batchable(request: FitRequest): void {
  const n = request.files.length;
  if (request.format === 'csv' || request.format === 'ndjson') throw usageError(`--format ${request.format} writes the rows of one file; with ${n} files use --json or --format params, or run em-fit once per file`);
  if (request.saveModel !== undefined) throw usageError(`--save-model writes one file, and ${n} files give ${n} models; run em-fit once per file`);
  if (request.plot !== undefined) throw usageError(`--plot writes one picture, and ${n} files give ${n} fits; run em-fit once per file`);
  if (request.by !== undefined) throw usageError(`--by fits the groups of one file; with ${n} files run em-fit once per file`);
  if (request.files.filter((f) => f === '-').length > 1) throw usageError('standard input (-) can be read only once');
}
