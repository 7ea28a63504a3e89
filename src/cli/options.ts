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
import { type DfModel, FAMILY_NAMES, type FamilyName } from '../models/registry.js';
import type { Criterion } from '../select/criteria.js';
import type { Guard } from '../select/search.js';
import type { InitMethod } from '../select/starts.js';

export type Format = 'text' | 'json' | 'csv';

/** Options shared by `em-fit` (fit) and `em-fit predict`: how to read, what to print. */
export interface CommonRequest {
  file: string;
  header: boolean;
  delimiter: string;
  /** How a file without a byte-order mark is decoded (--encoding). */
  encoding: Encoding;
  missing: MissingPolicy;
  weight?: string;
  format: Format;
  /** Rows of the text responsibility table; Infinity for all. */
  rows: number;
  responsibilities: boolean;
  quiet: boolean;
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

/** What the command line asked for: a fit, a prediction, or nothing more (help or version shown). */
export type Parsed = { kind: 'fit'; request: FitRequest } | { kind: 'predict'; request: PredictRequest } | { kind: 'done' };

const DEFAULTS = { maxIter: 1000, rtol: 1e-8, rows: 20, nInit: 10, seed: 0 };

/** Candidates searched without --init or --k, as mclust's default G = 1:9. */
export const DEFAULT_K = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Largest K accepted by --k. */
const MAX_K = 100;

const EXAMPLES = `
Examples:
  em-fit data.csv --var Var --init partition1
  em-fit data.csv --var Var --init partition1 --json | jq '.components[].mean'
  em-fit data.csv --var x --k 1:6 --variance both --json | jq '.selection[] | [.k, .variance, .bic]'
  em-fit data.csv --var Var --init partition1 --format csv > responsibilities.csv
  cat data.csv | em-fit - --var Var --init partition1 --rows all

Exit codes: 0 fit done (also when not converged, with a warning), 2 usage,
3 input (file, column or value), 4 the fit is impossible, 5 output (a full disk),
130 interrupted.`;

/** Reading options, the same for fit and predict. */
function inputOptions(cmd: Command): Command {
  return cmd
    .option('--weight <column>', 'column of frequency weights: a row of weight w counts as w copies (fractions allowed, 0 ignores the row)')
    .option('--no-header', 'the file has no header row; name columns by number, from 1')
    .option('-d, --delimiter <char>', 'field delimiter (one character; \\t or "tab" for tab)', ',')
    .addOption(new Option('--encoding <name>', 'encoding of a file without a byte-order mark: utf8, or latin1 (read as Windows-1252); UTF-16 is known by its mark').choices(['utf8', 'latin1']).default('utf8'))
    .addOption(new Option('--missing <policy>', 'what an empty or NA cell in a column in use does').choices(['error', 'skip']).default('error'));
}

/** Output options, the same for fit and predict. */
function outputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'csv']).default('text'))
    .option('--json', 'same as --format json')
    .option('--rows <n>', 'rows of the responsibility table in text output, or "all"', String(DEFAULTS.rows))
    .option('--no-responsibilities', 'leave out the per-row responsibilities and classification')
    .option('--plot <file>', 'write the pictures to FILE.svg, or their Vega-Lite specification to FILE.vl.json (with --by, one file per group)')
    .option('--no-plot', 'no histogram of the fit in text output')
    .option('-q, --quiet', 'no warnings on standard error (they stay in JSON output)');
}

const finish = (cmd: Command, examples: string): Command => cmd.addHelpText('after', examples).exitOverride().configureOutput({ outputError: () => {} });

export function program(version: string): Command {
  const cmd = new Command('em-fit')
    .description('Fit a finite Gaussian mixture by EM to a numeric column of a CSV file.\nAlso: em-fit predict MODEL.json <file|-> (em-fit predict --help).')
    .version(version, '-V, --version')
    .argument('<file>', 'CSV file to read, or - for standard input')
    .requiredOption('--var <column>', 'numeric column to fit (a header name, or a number from 1 with --no-header); several, as a,b,c, fit a multivariate Gaussian mixture')
    .option('--model <list>', `with several --var columns: covariance models among ${COVARIANCE_MODELS.join(', ')} (or spherical, diag, tied, full; all); a list to compare (default VVV with --init, all without)`)
    .option('--init <column>', 'column holding the starting partition: one label per row, K = number of labels')
    .option('--init-model <file>', 'start from a model saved by --save-model (a warm start); K is the model\'s')
    .option('--k <list>', 'without --init: candidate numbers of components, as N, A:B or A,B,C (default 1:9)')
    .option('--family <name>', `component family: ${FAMILY_NAMES.join(', ')}; a list (a,b) or auto to compare them by the criterion (default gaussian)`)
    .option('--df <df>', 'degrees of freedom of the t family: each (one per component), shared (one for all), or a number to fix them (default each)')
    .addOption(new Option('--variance <model>', 'variance model: unequal (one per component), equal (pooled), or both (default: unequal with --init, both without)').choices(['unequal', 'equal', 'both']))
    .addOption(new Option('--criterion <name>', 'criterion that ranks the candidates (lower is better)').choices(['bic', 'aic', 'icl']).default('bic'))
    .addOption(new Option('--init-method <method>', 'starts of a model search').choices(['kmeans++', 'quantiles', 'random']).default('kmeans++'))
    .option('--n-init <r>', 'starts per candidate in a model search; the best is kept', String(DEFAULTS.nInit))
    .option('--seed <s>', 'seed of the starts: the same seed, input and options give the same output', String(DEFAULTS.seed))
    .option('--by <column>', 'fit each group of rows with the same value in this column separately');
  inputOptions(cmd)
    .option('--max-iter <n>', 'maximum EM iterations (0 reports the starting parameters)', String(DEFAULTS.maxIter))
    .option('--rtol <x>', 'stop when |ℓ(t) − ℓ(t−1)| ≤ rtol·|ℓ(t−1)|', String(DEFAULTS.rtol))
    .addOption(new Option('--accel <method>', 'acceleration: none (plain EM), squarem (monotone extrapolation steps), or auto: none from --init, squarem in a model search').choices(['auto', 'none', 'squarem']).default('auto'))
    .option('--resolution <delta>', 'the recording resolution of the values (default: read from the values and their written decimals)')
    .option('--min-variance <v>', 'variance floor (default: resolution²/12, see README)')
    .addOption(new Option('--guard <guard>', 'against spurious components: reject (degenerate fits rejected), penalty (also a penalty on small variances), none, or auto: reject in a model search, none from --init or --init-model').choices(['auto', 'penalty', 'reject', 'none']).default('auto'));
  outputOptions(cmd)
    .option('--se', 'standard errors of the weights, means and variances, from the observed information')
    .option('--save-model <file>', 'write the fitted model to this JSON file (with --by, one file per group)')
    .option('--strict', 'exit 4 when EM has not converged')
    .option('--threads <n>', 'threads for the passes over the data, or "auto": all cores from 200,000 rows up', 'auto')
    .option('--timings', 'print the time spent reading, fitting and writing, and the peak memory, on standard error');
  return finish(cmd, EXAMPLES);
}

const PREDICT_EXAMPLES = `
Examples:
  em-fit data.csv --var x --k 1:5 --save-model model.json
  em-fit predict model.json new.csv
  em-fit predict model.json new.csv --json | jq '.loglik'
  em-fit predict model.json new.csv --format csv > scored.csv`;

export function predictProgram(): Command {
  const cmd = new Command('em-fit predict')
    .description('Score new data with a saved model: responsibilities, classification and log-density of each row, and the total log-likelihood.')
    .argument('<model>', 'model file written by em-fit --save-model')
    .argument('<file>', 'CSV file to read, or - for standard input')
    .option('--var <column>', "numeric column (default: the column the model was fitted to)");
  inputOptions(cmd);
  outputOptions(cmd);
  return finish(cmd, PREDICT_EXAMPLES);
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
  return [...new Set(names)] as FamilyName[];
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
  try {
    cmd.parse(args, { from: 'user' });
    return cmd;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return null;
      throw usageError(`${error.message.replace(/^error: /, '')} (${help} lists the options)`);
    }
    throw error;
  }
}

/** The options common to fit and predict, checked. */
function common(o: Record<string, any>, file: string): CommonRequest {
  const header = o.header as boolean;
  if (o.json && o.format !== 'text' && o.format !== 'json') throw usageError(`--json contradicts --format ${o.format}`);
  const request: CommonRequest = {
    file,
    header,
    delimiter: delimiter(o.delimiter),
    encoding: o.encoding as Encoding,
    missing: o.missing as MissingPolicy,
    format: o.json ? 'json' : (o.format as Format),
    rows: (o.rows as string).trim().toLowerCase() === 'all' ? Infinity : wholeNumber(o.rows, '--rows', 0),
    responsibilities: o.responsibilities as boolean,
    quiet: Boolean(o.quiet),
    textPlot: o.plot !== false,
  };
  if (o.weight !== undefined) request.weight = column(o.weight, '--weight', header);
  if (typeof o.plot === 'string') request.plot = o.plot;
  return request;
}

/** Parses argv (node, script, args…). Throws an EmFitError (exit 2) for usage errors. */
export function parseArgs(argv: string[], version: string): Parsed {
  const args = argv.slice(2);
  if (args[0] === 'predict') {
    const cmd = parseWith(predictProgram(), args.slice(1), 'em-fit predict --help');
    if (cmd === null) return { kind: 'done' };
    const o = cmd.opts();
    const request: PredictRequest = { ...common(o, cmd.args[1]), model: cmd.args[0] };
    if (o.var !== undefined) request.var = parseVars(o.var, request.header).join(',');
    return { kind: 'predict', request };
  }
  const cmd = parseWith(program(version), args, 'em-fit --help');
  if (cmd === null) return { kind: 'done' };
  const o = cmd.opts();
  const base = common(o, cmd.args[0]);
  const request: FitRequest = {
    ...base,
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
  if (request.init !== undefined && request.initModel !== undefined) throw usageError('--init and --init-model both give the start; use one');
  if (request.init !== undefined && request.k !== null && request.k.length > 1) {
    throw usageError(`--k ${o.k} asks for a search over K, but with --init K is the number of labels; give one of them`);
  }
  if (request.initModel !== undefined && request.k !== null && request.k.length > 1) {
    throw usageError(`--k ${o.k} asks for a search over K, but with --init-model K is the model's; give one of them`);
  }
  return { kind: 'fit', request };
}
