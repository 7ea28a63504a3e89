/**
 * The text report: a summary, the iteration table (long traces elided in the middle), the
 * parameter table and the first rows of the responsibility table. Tables are cli-table3;
 * colour comes from the Chalk instance given, which is colourless off a terminal.
 */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { Sink } from '../io/sink.js';
import type { Data } from '../models/family.js';
import type { MixtureParams } from '../models/family.js';
import type { GaussianMixture } from '../models/gaussian.js';
import type { StandardErrors } from '../models/gaussian-se.js';
import { describe, type FamilySpec, familyName, mvParameters, type Structure, structureName } from '../models/registry.js';
import { drawnMixture } from './bins.js';
import { resolutionWords } from './notes.js';
import { plural, short, shown as printable } from '../text.js';
import { MIN_WIDTH, terminalHistogram } from './histogram.js';
import { type ReportContext, finite } from './context.js';
import { argmax, recordNumbers, type RowSet, rowBlocks, rowsIn, rowText } from './rows.js';

/** Rows of the iteration table kept at each end of a long trace. */
const TRACE_ENDS = 8;

/** A number with `digits` significant digits, plain or in exponent form when very large or small. */
export function num(v: number, digits: number): string {
  finite(v, 'a reported number');
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e9) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return v.toFixed(Math.min(decimals, 20));
  }
  return v.toExponential(digits - 1);
}

function table(c: ChalkInstance, head: string[], aligns: ('left' | 'right')[]) {
  return new Table({
    head: head.map((h) => c.bold(h)),
    colAligns: aligns,
    style: { head: [], border: [], compact: true },
  });
}

const percent = (share: number): string => `${(100 * share).toFixed(share < 0.1 ? 1 : 0)}%`;

/** A bold title, then `name  value` lines. */
const keyValues = (title: string, pairs: [string, string][]): string => [title, ...pairs.map(([key, value]) => `  ${key.padEnd(16)}${value}`)].join('\n');

/**
 * The parameter table: one row per component. A Gaussian's weight, mean, variance and sd,
 * with ± standard errors when given; another family's weight, its parameters by name, and
 * the component's mean and sd where they exist.
 */
function componentsTable(labels: readonly string[], spec: FamilySpec, theta: MixtureParams, se: StandardErrors | null, c: ChalkInstance, varNames: readonly string[] = []): string {
  if (spec.family === 'mvgaussian') return mvTables(labels, spec.d, theta, varNames, c);
  if (familyName(spec) !== 'gaussian') return familyTable(labels, spec, theta, c);
  return gaussianTable(labels, theta as GaussianMixture, se, c);
}

function familyTable(labels: readonly string[], spec: FamilySpec, theta: MixtureParams, c: ChalkInstance): string {
  const description = describe(spec);
  const names = description.parameterNames;
  const head = ['component', 'weight', ...names, 'mean', 'sd'];
  const t = table(c, head, head.map((_, i) => (i === 0 ? 'left' : 'right')));
  const maybe = (v: number): string => (Number.isFinite(v) ? num(v, 7) : v === Infinity ? '∞' : '–');
  labels.forEach((label, k) => {
    const parameters = description.parameters(theta, k);
    const { mean, variance } = description.moments(theta, k);
    t.push([printable(label), num(theta.weight[k], 6), ...names.map((name) => num(parameters[name], 7)), maybe(mean), maybe(Math.sqrt(variance))]);
  });
  return t.toString();
}

/**
 * A d-dimensional Gaussian's components: for each, its weight, then a table with a row per
 * column: the mean, the standard deviation and the correlations with every column.
 */
function mvTables(labels: readonly string[], d: number, theta: MixtureParams, varNames: readonly string[], c: ChalkInstance): string {
  const names = varNames.length === d ? varNames.map(printable) : Array.from({ length: d }, (_, j) => String(j + 1));
  return labels
    .map((label, k) => {
      const { mean, covariance } = mvParameters(d, theta, k);
      const sd = covariance.map((row, p) => Math.sqrt(row[p]));
      const head = ['column', 'mean', 'sd', ...names.map((n) => `cor ${n}`)];
      const t = table(c, head, head.map((_, i) => (i === 0 ? 'left' : 'right')));
      names.forEach((name, p) => {
        t.push([name, num(mean[p], 7), num(sd[p], 7), ...covariance[p].map((v, q) => (q > p ? '' : p === q ? '1' : (v / (sd[p] * sd[q])).toFixed(4)))]);
      });
      return `${c.bold(`component ${printable(label)}`)}, weight ${num(theta.weight[k], 6)}\n${t.toString()}`;
    })
    .join('\n');
}

/** A candidate's structure in the summary: "unequal variances", "gamma", "t (df each)". */
export function structureWords(s: Structure, k: number): string {
  if (s.family === 'gaussian') return `${s.variance} variance${k === 1 ? '' : 's'}`;
  if (s.family === 'mvgaussian') return `covariance model ${s.model}`;
  const option = structureName(s);
  return option === '' ? s.family : `${s.family} (${option})`;
}

function gaussianTable(labels: readonly string[], theta: GaussianMixture, se: StandardErrors | null, c: ChalkInstance): string {
  const pm = (v: number): string[] => (se === null ? [] : [`± ${num(v, 3)}`]);
  const head = ['component', 'weight', ...(se ? ['± se'] : []), 'mean', ...(se ? ['± se'] : []), 'variance', ...(se ? ['± se'] : []), 'sd'];
  const t = table(c, head, head.map((_, i) => (i === 0 ? 'left' : 'right')));
  labels.forEach((label, k) => {
    t.push([
      printable(label),
      num(theta.weight[k], 6),
      ...pm(se?.weight[k] ?? 0),
      num(theta.mean[k], 7),
      ...pm(se?.mean[k] ?? 0),
      num(theta.variance[k], 7),
      ...pm(se?.variance[k] ?? 0),
      num(Math.sqrt(theta.variance[k]), 7),
    ]);
  });
  return t.toString();
}

export function summaryText(ctx: ReportContext, c: ChalkInstance): string {
  const { fit } = ctx;
  const k = fit.labels.length;
  const accel = fit.accel === 'squarem' ? ` (SQUAREM: ${plural(fit.passes, 'pass')} over the data, ${fit.rejected} proposals rejected)` : '';
  const status =
    (fit.converged ? c.green(`converged after ${plural(fit.iterations, 'iteration')}`) : c.red.bold(`NOT converged after ${plural(fit.iterations, 'iteration')}`)) + accel;
  const floors = fit.spec.family === 'mvgaussian' ? fit.spec.floor.map((f) => short(f)).join(', ') : short(fit.floor.floor);
  const floor = fit.floor.source === 'user' ? `${floors} (--min-variance)` : `${floors} (resolution²/12${fit.spec.family === 'mvgaussian' ? ', per column' : ''})`;
  const estimation = fit.penalty === null ? 'maximum likelihood' : `penalized likelihood, a_n = ${short(fit.penalty.strength)} on S_x = ${short(fit.penalty.scale)} (Chen, Tan and Zhang 2008)`;
  const rejected = ctx.selection?.searched.reduce((a, s) => a + s.degenerate, 0) ?? 0;
  const guard = ctx.guard === 'none' ? 'none: degenerate fits are not rejected' : `degenerate fits rejected${ctx.selection === null || ctx.selection.searched.length === 0 ? '' : ` (${plural(rejected, 'start')})`}`;
  const start = ctx.initName !== null ? `, started from ${ctx.initName}` : ctx.search ? `, model search (${ctx.search.nInit} ${ctx.search.initMethod} starts and others per model, seed ${ctx.search.seed})` : '';
  const zero = ctx.zeroWeight ? `, ${ctx.zeroWeight} of weight 0 left out` : '';
  return keyValues(c.bold(printable(`${ctx.varName} in ${ctx.file === '-' ? 'standard input' : ctx.file}${start}`)), [
    ['rows', `${fit.n} used, ${ctx.skipped} skipped${zero}${ctx.weightName === null ? '' : `, total weight ${num(fit.totalWeight, 8)} (column ${printable(ctx.weightName)})`}`],
    ['components', `${k}, ${structureWords(fit.structure, k)}${ctx.selection ? `, chosen by ${ctx.selection.criterion.toUpperCase()} among ${plural(ctx.selection.candidates.length, 'model')}` : ''}`],
    ['status', status],
    ['log-likelihood', num(fit.loglik, 10)],
    ...(fit.groupedLoglik === null ? [] : [['grouped', `${num(fit.groupedLoglik, 10)} (the criteria's, see below)`] as [string, string]]),
    ['BIC', num(fit.bic, 8)],
    ['AIC', num(fit.aic, 8)],
    ['estimation', estimation],
    ...(ctx.search === null ? [] : [['guard', guard] as [string, string]]),
    ...(fit.spec.family === 'mvgaussian' ? [] : [['resolution', `${short(fit.floor.resolution)} (${resolutionWords(fit.floor.resolutionSource)})`] as [string, string]]),
    ['variance floor', floor],
  ]);
}

/** The candidates compared, the chosen one marked. */
export function selectionText(ctx: ReportContext, c: ChalkInstance): string {
  const selection = ctx.selection;
  if (selection === null) return '';
  const grouped = selection.heaping !== null;
  // Gaussians alone: their variance model; other families: the family and its option.
  const families = selection.candidates.some((f) => f.structure.family !== 'gaussian' && f.structure.family !== 'mvgaussian');
  const head = ['K', families ? 'model' : 'variance', grouped ? 'grouped ℓ' : 'log-likelihood', 'params', 'BIC', 'AIC', 'ICL', 'converged', ''];
  const t = table(c, head, ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'left']);
  for (const fit of selection.candidates) {
    const chosen = fit === selection.best;
    const option = structureName(fit.structure);
    const model = families ? (fit.structure.family === 'gaussian' ? `gaussian, ${option}` : option === '' ? fit.structure.family : `${fit.structure.family}, ${option}`) : option;
    const row = [String(fit.labels.length), model, num(fit.groupedLoglik ?? fit.loglik, 10), String(fit.nParams), num(fit.bic, 8), num(fit.aic, 8), num(fit.icl, 8), fit.converged ? 'yes' : 'NO', chosen ? `← lowest ${selection.criterion.toUpperCase()}` : ''];
    t.push(chosen ? row.map((cell) => c.bold(cell)) : row);
  }
  const heap = selection.heaping;
  const note =
    heap === null
      ? ''
      : `\nHeaping: ${percent(heap.share)} of the weight sits on multiples of ${short(heap.grid)}, where the neighbouring values make ${percent(heap.expected)} expected; those values were fitted as intervals of width ${short(heap.grid)}, the others as intervals of the resolution, and the criteria use that grouped log-likelihood.`;
  return `${c.bold('Models compared')}\n${t.toString()}${note}\n\n`;
}

export function traceText(ctx: ReportContext, c: ChalkInstance): string {
  const squarem = ctx.fit.accel === 'squarem';
  const head = ['iteration', 'log-likelihood', 'change', 'ELBO', ...(squarem ? ['step'] : [])];
  const t = table(c, head, head.map((_, i) => (i < 4 ? 'right' : 'left')));
  const trace = ctx.fit.trace;
  const elide = trace.length > 2 * TRACE_ENDS + 1;
  trace.forEach((entry, i) => {
    if (elide && i === TRACE_ENDS) t.push([{ colSpan: head.length, content: c.dim(`… ${plural(trace.length - 2 * TRACE_ENDS, 'iteration')} not shown …`), hAlign: 'center' }]);
    if (elide && i >= TRACE_ENDS && i < trace.length - TRACE_ENDS) return;
    const change = i === 0 ? '' : num(entry.loglik - trace[i - 1].loglik, 3);
    t.push([entry.iteration, num(entry.loglik, 12), change, entry.elbo === null ? '' : num(entry.elbo, 12), ...(squarem ? [entry.step] : [])]);
  });
  return t.toString();
}

export function componentsText(ctx: ReportContext, c: ChalkInstance): string {
  const se = typeof ctx.standardErrors === 'object' ? ctx.standardErrors : null;
  const note = typeof ctx.standardErrors === 'string' ? `\n${c.yellow(`No standard errors: ${ctx.standardErrors}.`)}` : '';
  return componentsTable(ctx.fit.labels, ctx.fit.spec, ctx.fit.theta, se, c, ctx.varNames) + note;
}

/** The first `limit` rows of the responsibility table, written a block of rows at a time. */
export async function writeResponsibilities(rows: RowSet, c: ChalkInstance, limit: number, sink: Sink): Promise<void> {
  const n = rowsIn(rows);
  const labels = rows.labels.map(printable);
  const k = labels.length;
  const shown = Math.min(limit, n);
  const head = ['row', 'value', ...labels.map((l) => `p(${l})`), 'component', ...(rows.logDensity ? ['log-density'] : [])];
  const aligns: ('left' | 'right')[] = ['right', 'right', ...labels.map(() => 'right' as const), 'left', 'right'];
  let valueWidth = 'value'.length;
  for (let i = 0; i < shown; i++) valueWidth = Math.max(valueWidth, rowText(rows, i).length);
  const widths = [
    Math.max(3, String(n + rows.skippedRecords.length).length, rows.recordIndex ? String(rows.recordIndex[n - 1] + 1).length : 0) + 2,
    valueWidth + 2,
    ...labels.map((l) => Math.max(6, width(l) + 3) + 2),
    labels.reduce((a, l) => Math.max(a, width(l)), 9) + 2,
    ...(rows.logDensity ? [13] : []),
  ];
  const record = recordNumbers(rows);
  const title = shown < n ? `Responsibilities: first ${shown} of ${n} rows (--rows N or --rows all for more)` : `Responsibilities: all ${plural(n, 'row')}`;
  sink.push(`${c.bold(title)}\n${rule('┌', '┬', '┐', widths)}\n${gridRow(head, widths, aligns, c.bold)}\n${rule('├', '┼', '┤', widths)}\n`);
  for (const block of rowBlocks(rows.model, rows.x, shown)) {
    const lines: string[] = [];
    for (let i = block.start; i < block.end; i++) {
      const offset = (i - block.start) * k;
      const row = [String(record(i)), rowText(rows, i)];
      for (let j = 0; j < k; j++) row.push(block.r[offset + j].toFixed(4));
      row.push(labels[argmax(block.r, offset, k)]);
      if (rows.logDensity) row.push(num(block.logDensity[i - block.start], 6));
      lines.push(gridRow(row, widths, aligns));
    }
    if (sink.push(`${lines.join('\n')}\n`)) await sink.flush();
  }
  sink.push(`${rule('└', '┴', '┘', widths)}\n`);
  await sink.flush();
}

/**
 * The responsibility table is drawn line by line, in cli-table3's style: with --rows all it
 * can have millions of rows, which cli-table3, laying out every cell, renders far too slowly
 * (over 30 s for 300,000 rows).
 */
const rule = (left: string, mid: string, right: string, widths: number[]): string => left + widths.map((w) => '─'.repeat(w)).join(mid) + right;

/** Display width, counting code points. */
const width = (text: string): number => [...text].length;

function gridRow(cells: string[], widths: number[], aligns: ('left' | 'right')[], style: (s: string) => string = (s) => s): string {
  const padded = cells.map((cell, i) => {
    const space = ' '.repeat(Math.max(0, widths[i] - 2 - width(cell)));
    return ` ${style(aligns[i] === 'right' ? space + cell : cell + space)} `;
  });
  return `│${padded.join('│')}│`;
}

/** What predict prints before the responsibility table. */
export interface PredictionSummary {
  model: string;
  file: string;
  var: string;
  n: number;
  skipped: number;
  total_weight: number;
  k: number;
  loglik: number;
  mean_loglik: number;
}

export function predictionText(s: PredictionSummary, labels: readonly string[], structure: Structure, spec: FamilySpec, theta: MixtureParams, c: ChalkInstance, varNames: readonly string[] = []): string {
  const summary = keyValues(c.bold(printable(`${s.var} in ${s.file === '-' ? 'standard input' : s.file}, scored with ${s.model}`)), [
    ['rows', `${s.n} used, ${s.skipped} skipped`],
    ['components', `${s.k}, ${structureWords(structure, s.k)}`],
    ['log-likelihood', num(s.loglik, 10)],
    ['per unit weight', num(s.mean_loglik, 8)],
  ]);
  return `${summary}\n\n${c.bold('Model')}\n${componentsTable(labels, spec, theta, null, c, varNames)}\n`;
}

/**
 * The histogram of the data with the mixture's density over it, under a title, or '' when
 * not asked for (width null) or the terminal is too narrow.
 */
export function histogramBlock(title: string, data: Data, spec: FamilySpec, theta: MixtureParams, labels: readonly string[], resolution: number | null, width: number | null, c: ChalkInstance): string {
  if (width === null || width < MIN_WIDTH) return '';
  const plot = terminalHistogram(data, drawnMixture(spec, theta), labels, width, { resolution, paint: { bar: c.blue, curve: c.bold, axis: c.dim } });
  return `\n${c.bold(title)}\n${plot}\n`;
}

export function histogramText(ctx: ReportContext, c: ChalkInstance): string {
  const { fit } = ctx;
  if (fit.spec.family === 'mvgaussian') return '';
  return histogramBlock('Histogram and fitted density', { x: ctx.rows.x, w: ctx.weights }, fit.spec, fit.theta, fit.labels, fit.floor.resolution, ctx.textPlotWidth, c);
}

export async function writeText(ctx: ReportContext, c: ChalkInstance, rows: number, sink: Sink): Promise<void> {
  sink.push(`${summaryText(ctx, c)}\n\n${selectionText(ctx, c)}${c.bold('Iterations')}\n${traceText(ctx, c)}\n\n${c.bold('Components')}\n${componentsText(ctx, c)}\n${histogramText(ctx, c)}`);
  if (ctx.responsibilities && rows > 0) {
    sink.push('\n');
    await writeResponsibilities(ctx.rows, c, rows, sink);
  }
  await sink.flush();
}
