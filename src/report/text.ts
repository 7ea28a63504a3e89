/**
 * The text report: a summary, the iteration table (long traces elided in the middle), the
 * parameter table and the first rows of the responsibility table. Tables are cli-table3;
 * colour comes from the Chalk instance given, which is colourless off a terminal.
 */
import type { ChalkInstance } from 'chalk';
import type { Sink } from '../io/sink.js';
import type { Data, MixtureParams } from '../models/family.js';
import type { GaussianMixture } from '../models/gaussian.js';
import type { StandardErrors } from '../models/gaussian-se.js';
import { describe, type FamilySpec, familyName, mvParameters, type Structure, structureName } from '../models/registry.js';
import { drawnMixture } from './bins.js';
import { resolutionWords } from './notes.js';
import { plural, short, shown as printable } from '../text.js';
import { MIN_WIDTH, terminalHistogram } from './histogram.js';
import { type ReportContext, finite } from './context.js';
import { argmax, recordNumbers, type RowSet, rowBlocks, rowsIn, rowText } from './rows.js';
import { abbreviate, type Column, displayWidth, droppedNote, fittedTable, type TableRow, wrap, wrapLines } from './width.js';

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

/** How the fitted tables paint their heads and the chosen row. */
const painting = (c: ChalkInstance) => ({ head: (text: string) => c.bold(text), bold: (text: string) => c.bold(text) });

/** Where the columns a table leaves out can be read. */
const EVERY_COLUMN = '--json has them all';

const percent = (share: number): string => `${(100 * share).toFixed(share < 0.1 ? 1 : 0)}%`;

/** Width of the keys of a `name  value` block, and the indent of its wrapped values. */
const KEY_WIDTH = 16;

/** A bold title, then `name  value` lines, each wrapped to `width` columns. */
const keyValues = (title: string, pairs: [string, string][], width: number): string =>
  [wrap(title, width), ...pairs.map(([key, value]) => wrap(`  ${key.padEnd(KEY_WIDTH)}${value}`, width, KEY_WIDTH + 2))].join('\n');

/**
 * The parameter table: one row per component. A Gaussian's weight, mean, variance and sd,
 * with ± standard errors when given; another family's weight, its parameters by name, and
 * the component's mean and sd where they exist.
 */
function componentsTable(labels: readonly string[], spec: FamilySpec, theta: MixtureParams, se: StandardErrors | null, c: ChalkInstance, width: number, varNames: readonly string[] = []): string {
  if (spec.family === 'mvgaussian') return mvTables(labels, spec.d, theta, varNames, c, width);
  const fitted = familyName(spec) === 'gaussian' ? gaussianTable(labels, theta as GaussianMixture, se, c, width) : familyTable(labels, spec, theta, c, width);
  return fitted.text + droppedNote(fitted.dropped, width, EVERY_COLUMN);
}

/** Another family's table; to fit the width, sd goes first, then the mean (both follow from the parameters); a long label is wrapped. */
function familyTable(labels: readonly string[], spec: FamilySpec, theta: MixtureParams, c: ChalkInstance, width: number) {
  const description = describe(spec);
  const names = description.parameterNames;
  const columns: Column[] = [
    { head: 'component', align: 'left', wrapTo: 9 },
    { head: 'weight', align: 'right' },
    ...names.map((name): Column => ({ head: name, align: 'right' })),
    { head: 'mean', align: 'right', drop: 2 },
    { head: 'sd', align: 'right', drop: 1 },
  ];
  const maybe = (v: number): string => (Number.isFinite(v) ? num(v, 7) : v === Infinity ? '∞' : '–');
  const rows = labels.map((label, k) => {
    const parameters = description.parameters(theta, k);
    const { mean, variance } = description.moments(theta, k);
    return { cells: [printable(label), num(theta.weight[k], 6), ...names.map((name) => num(parameters[name], 7)), maybe(mean), maybe(Math.sqrt(variance))] };
  });
  return fittedTable(columns, rows, width, painting(c));
}

/**
 * A d-dimensional Gaussian's components: for each, its weight, then a table with a row per
 * column: the mean, the standard deviation and the correlations with the columns up to it
 * (the lower triangle). Every component's table has the same columns, chosen to fit the width
 * on all of them: the heads of the correlations are "cor NAME", else the names shortened down
 * to the width of a correlation; then the correlations go from the last column back.
 */
function mvTables(labels: readonly string[], d: number, theta: MixtureParams, varNames: readonly string[], c: ChalkInstance, width: number): string {
  const names = varNames.length === d ? varNames.map(printable) : Array.from({ length: d }, (_, j) => String(j + 1));
  const tables = labels.map((label, k) => {
    const { mean, covariance } = mvParameters(d, theta, k);
    const sd = covariance.map((row, p) => Math.sqrt(row[p]));
    const rows = names.map((name, p) => ({
      cells: [name, num(mean[p], 7), num(sd[p], 7), ...covariance[p].map((v, q) => (q > p ? '' : p === q ? '1' : (v / (sd[p] * sd[q])).toFixed(4)))],
    }));
    return { title: `component ${printable(label)}, weight ${num(theta.weight[k], 6)}`, rows };
  });
  const columnsWith = (heads: readonly string[], drops: boolean): Column[] => [
    { head: 'column', align: 'left', wrapTo: 8 },
    { head: 'mean', align: 'right' },
    { head: 'sd', align: 'right' },
    ...heads.map((head, q): Column => ({ head, name: `cor ${names[q]}`, align: 'right', ...(drops ? { drop: d - q } : {}) })),
  ];
  const allRows = tables.flatMap((t) => t.rows);
  const layout = (heads: readonly string[]) => ({ heads, dropped: fittedTable(columnsWith(heads, true), allRows, width, painting(c)).dropped });
  let chosen = layout(names.map((n) => `cor ${n}`));
  const longest = names.reduce((a, n) => Math.max(a, displayWidth(n)), 0);
  for (let w = longest; chosen.dropped.length > 0 && w >= CORRELATION_WIDTH; w--) chosen = layout(abbreviate(names, w));
  const kept = columnsWith(chosen.heads, false)
    .map((column, j) => ({ column, j }))
    .filter(({ column }) => !chosen.dropped.includes(column.name ?? column.head));
  const text = tables.map((t) => {
    const fitted = fittedTable(
      kept.map(({ column }) => column),
      t.rows.map((row) => ({ cells: kept.map(({ j }) => row.cells[j]) })),
      width,
      painting(c),
    );
    return `${c.bold(wrap(t.title, width))}\n${fitted.text}`;
  });
  return text.join('\n') + droppedNote(chosen.dropped, width, EVERY_COLUMN);
}

/** Columns of a correlation as shown: -0.1234. */
const CORRELATION_WIDTH = 7;

/** A candidate's structure in the summary: "unequal variances", "gamma", "t (df each)". */
export function structureWords(s: Structure, k: number): string {
  if (s.family === 'gaussian') return `${s.variance} variance${k === 1 ? '' : 's'}`;
  if (s.family === 'mvgaussian') return `covariance model ${s.model}`;
  const option = structureName(s);
  return option === '' ? s.family : `${s.family} (${option})`;
}

/**
 * A Gaussian's table, with ± standard errors when given. To fit the width, sd goes first (it
 * is √variance), then the errors of the variances and the weights; a long label is wrapped.
 */
function gaussianTable(labels: readonly string[], theta: GaussianMixture, se: StandardErrors | null, c: ChalkInstance, width: number) {
  const error = (of: string, drop: number): Column[] => (se === null ? [] : [{ head: '± se', name: `the standard error of the ${of}`, align: 'right', drop }]);
  const columns: Column[] = [
    { head: 'component', align: 'left', wrapTo: 9 },
    { head: 'weight', align: 'right' },
    ...error('weight', 3),
    { head: 'mean', align: 'right' },
    ...error('mean', 4),
    { head: 'variance', align: 'right' },
    ...error('variance', 2),
    { head: 'sd', align: 'right', drop: 1 },
  ];
  const pm = (v: number): string[] => (se === null ? [] : [`± ${num(v, 3)}`]);
  const rows = labels.map((label, k) => ({
    cells: [
      printable(label),
      num(theta.weight[k], 6),
      ...pm(se?.weight[k] ?? 0),
      num(theta.mean[k], 7),
      ...pm(se?.mean[k] ?? 0),
      num(theta.variance[k], 7),
      ...pm(se?.variance[k] ?? 0),
      num(Math.sqrt(theta.variance[k]), 7),
    ],
  }));
  return fittedTable(columns, rows, width, painting(c));
}

export function summaryText(ctx: ReportContext, c: ChalkInstance): string {
  const { fit } = ctx;
  const k = fit.labels.length;
  const accel = fit.accel === 'squarem' ? ` (SQUAREM: ${plural(fit.passes, 'pass')} over the data, ${fit.rejected} proposals rejected)` : '';
  const status =
    (fit.converged ? c.green(`converged after ${plural(fit.iterations, 'iteration')}`) : c.red.bold(`NOT converged after ${plural(fit.iterations, 'iteration')}`)) + accel;
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
    // d columns have a resolution each, shown with their floors.
    ...(fit.spec.family === 'mvgaussian' ? [] : [['resolution', `${short(fit.floor.resolution)} (${resolutionWords(fit.floor.resolutionSource)})`] as [string, string]]),
    ...boundLines(fit.spec, fit.floor),
  ], ctx.textWidth);
}

/** The bound the family's M-step holds its components within, as the summary's line: the Gaussian's variance floor, or its counterpart. */
function boundLines(spec: FamilySpec, floor: { floor: number; source: string }): [string, string][] {
  const source = floor.source === 'user' ? '--min-variance' : 'resolution²/12';
  switch (spec.family) {
    case 'gaussian':
    case 'gaussian-grouped':
      return [['variance floor', `${short(floor.floor)} (${source})`]];
    case 't':
      return [['scale floor', `${short(spec.scaleFloor)} (the square root of ${source})`]];
    case 'lognormal':
      return [['sdlog floor', `${short(spec.sdlogFloor)} (from the resolution)`]];
    case 'exponential':
      return [['largest rate', `${short(spec.maxRate)} (from the resolution)`]];
    case 'gamma':
    case 'weibull':
      return [['largest shape', `${short(spec.maxShape)} (from the resolution)`]];
    case 'mvgaussian':
      return [['variance floors', `${spec.floor.map((f) => short(f)).join(', ')} (${floor.source === 'user' ? '--min-variance' : "each column's resolution²/12"})`]];
    case 'poisson':
      return [];
  }
}

/**
 * The candidates compared, the chosen one marked. To fit the width, the criteria other than
 * the one that chose go first (ICL, AIC, BIC), then heads and the mark are shortened, then
 * the parameter count and the convergence go.
 */
export function selectionText(ctx: ReportContext, c: ChalkInstance): string {
  const selection = ctx.selection;
  if (selection === null) return '';
  const grouped = selection.heaping !== null;
  const criterion = selection.criterion;
  // Gaussians alone: their variance model; other families: the family and its option.
  const multivariate = selection.candidates.some((f) => f.structure.family === 'mvgaussian');
  const families = selection.candidates.some((f) => f.structure.family !== 'gaussian' && f.structure.family !== 'mvgaussian');
  const criteria: { name: 'bic' | 'aic' | 'icl'; drop: number }[] = [
    { name: 'bic', drop: 3 },
    { name: 'aic', drop: 2 },
    { name: 'icl', drop: 1 },
  ];
  const columns: Column[] = [
    { head: 'K', align: 'right' },
    { head: families || multivariate ? 'model' : 'variance', align: 'left' },
    { head: grouped ? 'grouped ℓ' : 'log-likelihood', short: grouped ? 'grouped ℓ' : 'loglik', shortAt: 3, align: 'right', drop: 6, name: grouped ? 'grouped ℓ' : 'log-likelihood' },
    { head: 'params', align: 'right', drop: 4 },
    ...criteria.map(({ name, drop }): Column => ({ head: name.toUpperCase(), align: 'right', ...(name === criterion ? {} : { drop }) })),
    { head: 'converged', short: 'conv.', shortAt: 3, align: 'left', drop: 5 },
    { head: '', align: 'left', shortAt: 3, compact: (cell) => (cell === '' ? '' : '←') },
  ];
  const rows = selection.candidates.map((fit) => {
    const chosen = fit === selection.best;
    const option = structureName(fit.structure);
    const model = families ? (fit.structure.family === 'gaussian' ? `gaussian, ${option}` : option === '' ? fit.structure.family : `${fit.structure.family}, ${option}`) : option;
    const cells = [String(fit.labels.length), model, num(fit.groupedLoglik ?? fit.loglik, 10), String(fit.nParams), num(fit.bic, 8), num(fit.aic, 8), num(fit.icl, 8), fit.converged ? 'yes' : 'NO', chosen ? `← lowest ${criterion.toUpperCase()}` : ''];
    return { cells, bold: chosen };
  });
  const fitted = fittedTable(columns, rows, ctx.textWidth, painting(c));
  const heap = selection.heaping;
  const note =
    heap === null
      ? ''
      : `\n${wrapLines(`Heaping: ${percent(heap.share)} of the weight sits on multiples of ${short(heap.grid)}, where the neighbouring values make ${percent(heap.expected)} expected; those values were fitted as intervals of width ${short(heap.grid)}, the others as intervals of the resolution, and the criteria use that grouped log-likelihood.`, ctx.textWidth)}`;
  return `${c.bold('Models compared')}\n${fitted.text}${droppedNote(fitted.dropped, ctx.textWidth, EVERY_COLUMN)}${note}\n\n`;
}

/** The iteration table; to fit the width, its first head is shortened, then the change goes, then the ELBO. */
export function traceText(ctx: ReportContext, c: ChalkInstance): string {
  const squarem = ctx.fit.accel === 'squarem';
  const columns: Column[] = [
    { head: 'iteration', short: 'iter.', shortAt: 1, align: 'right' },
    { head: 'log-likelihood', align: 'right' },
    { head: 'change', align: 'right', drop: 1 },
    { head: 'ELBO', align: 'right', drop: 2 },
    ...(squarem ? [{ head: 'step', align: 'left' } as Column] : []),
  ];
  const trace = ctx.fit.trace;
  const elide = trace.length > 2 * TRACE_ENDS + 1;
  const rows: TableRow[] = [];
  trace.forEach((entry, i) => {
    if (elide && i === TRACE_ENDS) rows.push({ span: c.dim(`… ${plural(trace.length - 2 * TRACE_ENDS, 'iteration')} not shown …`) });
    if (elide && i >= TRACE_ENDS && i < trace.length - TRACE_ENDS) return;
    const change = i === 0 ? '' : num(entry.loglik - trace[i - 1].loglik, 3);
    rows.push({ cells: [String(entry.iteration), num(entry.loglik, 12), change, entry.elbo === null ? '' : num(entry.elbo, 12), ...(squarem ? [entry.step] : [])] });
  });
  const fitted = fittedTable(columns, rows, ctx.textWidth, painting(c));
  return fitted.text + droppedNote(fitted.dropped, ctx.textWidth, EVERY_COLUMN);
}

export function componentsText(ctx: ReportContext, c: ChalkInstance): string {
  const se = typeof ctx.standardErrors === 'object' ? ctx.standardErrors : null;
  const note = typeof ctx.standardErrors === 'string' ? `\n${c.yellow(wrap(`No standard errors: ${ctx.standardErrors}.`, ctx.textWidth))}` : '';
  return componentsTable(ctx.fit.labels, ctx.fit.spec, ctx.fit.theta, se, c, ctx.textWidth, ctx.varNames) + note;
}

/** Narrowest responsibility a column shows: 0.1234. */
const P_WIDTH = 6;

/**
 * The columns of the responsibility table within `width`: the labels as they fit (shortened
 * down to 3 columns, still told apart), and how many of the K p(label) columns fit after the
 * row, the value and before the component (and log-density): the last ones are left out when
 * even the shortest labels do not fit. Widths include the space each side of a cell.
 */
function responsibilityColumns(labels: string[], rowWidth: number, valueWidth: number, logDensity: boolean, width: number) {
  const longest = labels.reduce((a, l) => Math.max(a, displayWidth(l)), 0);
  const total = (labelWidth: number, shown: number): number =>
    1 + (rowWidth + 3) + (valueWidth + 3) + shown * (Math.max(P_WIDTH, labelWidth + 3) + 3) + (Math.max(9, labelWidth) + 3) + (logDensity ? 14 : 0);
  let labelWidth = longest;
  while (labelWidth > 3 && total(labelWidth, labels.length) > width) labelWidth--;
  let shown = labels.length;
  while (shown > 1 && total(labelWidth, shown) > width) shown--;
  const names = abbreviate(labels, labelWidth);
  const nameWidth = names.reduce((a, l) => Math.max(a, displayWidth(l)), 0);
  return {
    names,
    shortened: names.some((n, j) => n !== labels[j]),
    shown,
    widths: [rowWidth + 2, valueWidth + 2, ...names.slice(0, shown).map((l) => Math.max(P_WIDTH, displayWidth(l) + 3) + 2), Math.max(9, nameWidth) + 2, ...(logDensity ? [13] : [])],
  };
}

/**
 * The first `limit` rows of the responsibility table, written a block of rows at a time, at
 * most `width` columns wide (see responsibilityColumns).
 */
export async function writeResponsibilities(rows: RowSet, c: ChalkInstance, limit: number, sink: Sink, width: number): Promise<void> {
  const n = rowsIn(rows);
  const k = rows.labels.length;
  const shown = Math.min(limit, n);
  let valueWidth = 'value'.length;
  for (let i = 0; i < shown; i++) valueWidth = Math.max(valueWidth, rowText(rows, i).length);
  const rowWidth = Math.max(3, String(n + rows.skippedRecords.length).length, rows.recordIndex ? String(rows.recordIndex[n - 1] + 1).length : 0);
  const layout = responsibilityColumns(rows.labels.map(printable), rowWidth, valueWidth, rows.logDensity, width);
  const { names, widths } = layout;
  const m = layout.shown;
  const head = ['row', 'value', ...names.slice(0, m).map((l) => `p(${l})`), 'component', ...(rows.logDensity ? ['log-density'] : [])];
  const aligns: ('left' | 'right')[] = ['right', 'right', ...names.slice(0, m).map(() => 'right' as const), 'left', 'right'];
  const record = recordNumbers(rows);
  const title = shown < n ? `Responsibilities: first ${shown} of ${n} rows (--rows N or --rows all for more)` : `Responsibilities: all ${plural(n, 'row')}`;
  sink.push(`${c.bold(wrap(title, width))}\n${rule('┌', '┬', '┐', widths)}\n${gridRow(head, widths, aligns, c.bold)}\n${rule('├', '┼', '┤', widths)}\n`);
  for (const block of rowBlocks(rows.model, rows.x, shown)) {
    const lines: string[] = [];
    for (let i = block.start; i < block.end; i++) {
      const offset = (i - block.start) * k;
      const row = [String(record(i)), rowText(rows, i)];
      for (let j = 0; j < m; j++) row.push(block.r[offset + j].toFixed(4));
      row.push(names[argmax(block.r, offset, k)]);
      if (rows.logDensity) row.push(num(block.logDensity[i - block.start], 6));
      lines.push(gridRow(row, widths, aligns));
    }
    if (sink.push(`${lines.join('\n')}\n`)) await sink.flush();
  }
  sink.push(`${rule('└', '┴', '┘', widths)}\n`);
  const notes = [
    ...(m < k ? [`p(${names[m]})${m + 1 < k ? ` to p(${names[k - 1]})` : ''} not shown, to fit ${width} columns; --format csv and --json have them all.`] : []),
    ...(layout.shortened ? [`Labels shortened to fit ${width} columns; the parameter table has them whole.`] : []),
  ];
  if (notes.length > 0) sink.push(`${notes.map((n) => wrap(n, width)).join('\n')}\n`);
  await sink.flush();
}

/**
 * The responsibility table is drawn line by line, in cli-table3's style: with --rows all it
 * can have millions of rows, which cli-table3, laying out every cell, renders far too slowly
 * (over 30 s for 300,000 rows).
 */
const rule = (left: string, mid: string, right: string, widths: number[]): string => left + widths.map((w) => '─'.repeat(w)).join(mid) + right;

function gridRow(cells: string[], widths: number[], aligns: ('left' | 'right')[], style: (s: string) => string = (s) => s): string {
  const padded = cells.map((cell, i) => {
    const space = ' '.repeat(Math.max(0, widths[i] - 2 - displayWidth(cell)));
    return ` ${style(aligns[i] === 'right' ? space + cell : cell + space)} `;
  });
  return `│${padded.join('│')}│`;
}

/** What predict prints before the responsibility table. */
export interface PredictionSummary {
  model: string;
  file: string;
  /** The column scored; for a model of several columns, `columns` instead. */
  column?: string;
  columns?: string[];
  n: number;
  skipped: number;
  total_weight: number;
  k: number;
  loglik: number;
  mean_loglik: number;
  warnings: string[];
}

export function predictionText(s: PredictionSummary, labels: readonly string[], structure: Structure, spec: FamilySpec, theta: MixtureParams, c: ChalkInstance, width: number, varNames: readonly string[] = []): string {
  const summary = keyValues(c.bold(printable(`${s.columns?.join(',') ?? s.column} in ${s.file === '-' ? 'standard input' : s.file}, scored with ${s.model}`)), [
    ['rows', `${s.n} used, ${s.skipped} skipped`],
    ['components', `${s.k}, ${structureWords(structure, s.k)}`],
    ['log-likelihood', num(s.loglik, 10)],
    ['per unit weight', num(s.mean_loglik, 8)],
  ], width);
  return `${summary}\n\n${warningsText(s.warnings, c, width)}${c.bold('Model')}\n${componentsTable(labels, spec, theta, null, c, width, varNames)}\n`;
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

/**
 * The warnings in a block of their own under the summary, so that a report read later (or
 * written to a file) keeps them; '' when there are none.
 */
export function warningsText(warnings: readonly string[], c: ChalkInstance, width: number): string {
  if (warnings.length === 0) return '';
  return `${c.bold.yellow('Warnings')}\n${warnings.map((w) => wrap(`  - ${printable(w)}`, width, 4)).join('\n')}\n\n`;
}

/**
 * The text report. `summaryOnly` (a fit refused by --strict) writes the summary and the
 * warnings alone: the numbers of a fit that did not converge are not a result.
 */
export async function writeText(ctx: ReportContext, c: ChalkInstance, rows: number, sink: Sink, summaryOnly = false): Promise<void> {
  if (summaryOnly) {
    sink.push(`${summaryText(ctx, c)}\n\n${warningsText(ctx.warnings, c, ctx.textWidth)}`);
    return sink.flush();
  }
  sink.push(`${summaryText(ctx, c)}\n\n${warningsText(ctx.warnings, c, ctx.textWidth)}${selectionText(ctx, c)}${c.bold('Iterations')}\n${traceText(ctx, c)}\n\n${c.bold('Components')}\n${componentsText(ctx, c)}\n${histogramText(ctx, c)}`);
  if (ctx.responsibilities && rows > 0) {
    sink.push('\n');
    await writeResponsibilities(ctx.rows, c, rows, sink, ctx.textWidth);
  }
  await sink.flush();
}
