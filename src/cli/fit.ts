/**
 * `em-fit <file> --var …`: read the table, fit it (whole, or each --by group), report.
 */
import { availableParallelism } from 'node:os';
import { PassPool } from '../em/pool.js';
import { EmFitError, EXIT, type ExitCode, usageError } from '../errors.js';
import { dataRecords, type LabelColumn, type ReadOptions, type Table } from '../io/csv.js';
import { sharedFloat64 } from '../io/table.js';
import { sortLabels } from '../io/labels.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelFile, modelParameters, readModel, writeModel } from '../io/model-file.js';
import { Sink } from '../io/sink.js';
import type { Data } from '../models/family.js';
import { maxAbs, type VarianceFloor, varianceFloor } from '../models/floor.js';
import { defaultPenalty, type VariancePenalty } from '../models/gaussian.js';
import { type Resolution, recordingResolution } from '../models/resolution.js';
import { compress, observationsPerWeight, sampleRows } from '../select/degenerate.js';
import { type StandardErrors, standardErrors } from '../models/gaussian-se.js';
import type { ReportContext } from '../report/context.js';
import { writeCsv, writeGroupsCsv } from '../report/csv.js';
import { writeJson } from '../report/json.js';
import type { RowSet } from '../report/rows.js';
import { writeText } from '../report/text.js';
import { checkFittable, checkScale, type DegeneracyCheck, type Fit, fitFrom, partitionStart, totalWeight } from '../select/fit.js';
import { bestBy, type Guard, searchModels, type Selection } from '../select/search.js';
import { plural, quote } from '../text.js';
import { colours, groupPaths, type Input, openInput, readInput, readOptions, textPlotWidth, warn } from './io.js';
import { writePlot } from './plot.js';
import { DEFAULT_K, type FitRequest } from './options.js';
import { drive } from './progress.js';

/** Rows from which `--threads auto` uses every core: below, starting workers costs more than it saves. */
const THREADS_FROM_ROWS = 200_000;

/** The fit to report and, when candidates were compared, the comparison. */
interface Outcome {
  fit: Fit;
  guard: Guard;
  selection: Selection | null;
  /** Passes over the data, over every candidate and start. */
  passes: number;
}

function threadCount(request: FitRequest, rows: number): number {
  if (request.threads !== null) return request.threads;
  return rows >= THREADS_FROM_ROWS ? availableParallelism() : 1;
}

const emSettings = (request: FitRequest, accelDefault: 'none' | 'squarem') => ({
  maxIter: request.maxIter,
  rtol: request.rtol,
  accel: request.accel === 'auto' ? accelDefault : request.accel,
});

/**
 * How one data set is fitted, resolved once from the request and the data: the resolution
 * and floor, the guard against degenerate components (see select/search.ts) and its penalty,
 * and what the check for degenerate components looks at.
 */
interface Plan {
  floor: VarianceFloor;
  guard: Guard;
  penalty: VariancePenalty | null;
  /** For a fit from a partition or a model (a search makes its own, see searchModels). */
  check: DegeneracyCheck | undefined;
}

function plan(request: FitRequest, data: Data, decimals: number, searching: boolean): Plan {
  const resolution: Resolution = request.resolution === undefined ? recordingResolution(data.x, data.w, decimals) : { value: request.resolution, source: 'user' };
  const floor = varianceFloor(resolution, maxAbs(data.x), request.minVariance);
  // 'auto': degenerate fits rejected in a search, where starts are many and spikes are found;
  // nothing rejected from a partition or a model, which is the user's own start.
  const guard: Guard = request.guard === 'auto' ? (searching ? 'reject' : 'none') : request.guard;
  return {
    floor,
    guard,
    penalty: guard === 'penalty' ? defaultPenalty(data, floor.floor) : null,
    check: searching ? undefined : { compact: compress(sampleRows(data)), perWeight: observationsPerWeight(data.x.length, totalWeight(data)) },
  };
}

/** Fits from θ(0) once per variance model asked for, and compares them when there are several. */
async function fitEachVariance(
  request: FitRequest,
  data: Data,
  names: string[],
  how: Plan,
  pool: PassPool | undefined,
  start: (variance: 'equal' | 'unequal') => { theta: Fit['theta']; floored: Uint8Array },
  defaultVariance: 'equal' | 'unequal',
): Promise<Outcome> {
  checkFittable(data, names.length);
  const fits: Fit[] = [];
  for (const variance of request.variances ?? [defaultVariance]) {
    const s = start(variance);
    const settings = { ...emSettings(request, 'none'), variance, floor: how.floor, penalty: how.penalty, degeneracy: how.check };
    fits.push(await drive(fitFrom(data, s.theta, names, settings, s.floored, pool)));
  }
  const passes = fits.reduce((a, f) => a + f.passes, 0);
  if (fits.length === 1) return { fit: fits[0], selection: null, passes, guard: how.guard };
  const best = bestBy(fits, request.criterion);
  return { fit: best, guard: how.guard, selection: { best, criterion: request.criterion, candidates: fits, searched: [], skipped: [], warnings: [], passes, guard: how.guard, penalty: how.penalty, heaping: null }, passes };
}

/** Fits from the partition column. */
function fromPartition(request: FitRequest, labels: LabelColumn, data: Data, how: Plan, pool: PassPool | undefined): Promise<Outcome> {
  const codes = labels.codes.slice();
  const names = sortLabels(labels.names, codes);
  if (request.k !== null && request.k[0] !== names.length) {
    throw usageError(`--k ${request.k[0]} contradicts --init ${request.init}, whose column has ${plural(names.length, 'label')}`);
  }
  return fitEachVariance(request, data, names, how, pool, (variance) => partitionStart(data, codes, names, variance, how.floor.floor, how.penalty), 'unequal');
}

/** Fits from a saved model's parameters (a warm start). */
function fromModel(request: FitRequest, model: ModelFile, data: Data, how: Plan, pool: PassPool | undefined): Promise<Outcome> {
  const { floor } = how;
  const k = model.components.length;
  if (request.k !== null && request.k[0] !== k) {
    throw usageError(`--k ${request.k[0]} contradicts --init-model ${request.initModel}, which has ${plural(k, 'component')}`);
  }
  const start = () => {
    // The model's variances, held at this data's floor.
    const theta = modelParameters(model);
    const floored = new Uint8Array(k);
    theta.variance.forEach((v, j) => {
      floored[j] = v < floor.floor ? 1 : 0;
      theta.variance[j] = Math.max(v, floor.floor);
    });
    return { theta, floored };
  };
  return fitEachVariance(request, data, model.components.map((c) => c.label), how, pool, start, model.variance);
}

/** Searches the candidate models. */
async function search(request: FitRequest, data: Data, how: Plan): Promise<Outcome> {
  const selection = await drive(
    searchModels(
      data,
      {
        ks: request.k ?? DEFAULT_K,
        variances: request.variances ?? ['equal', 'unequal'],
        criterion: request.criterion,
        initMethod: request.initMethod,
        nInit: request.nInit,
        seed: request.seed,
        ...emSettings(request, 'squarem'),
        floor: how.floor,
        guard: how.guard,
      },
      // A search's fits run side by side on every core whatever the data's size.
      request.threads ?? availableParallelism(),
    ),
  );
  return { fit: selection.best, selection, passes: selection.passes, guard: how.guard };
}

/** Fits one data set (the file, or one group of it) the way the request asks. */
async function fitData(request: FitRequest, data: Data, labels: LabelColumn | null, decimals: number, model: ModelFile | null): Promise<Outcome> {
  checkScale(data);
  const searching = model === null && labels === null;
  const how = plan(request, data, decimals, searching);
  // A search shares whole fits between threads (see select/search.ts); a single fit its passes.
  if (searching) return search(request, data, how);
  const threads = threadCount(request, data.x.length);
  const pool = threads > 1 ? PassPool.create(data, threads) : undefined;
  try {
    if (model !== null) return await fromModel(request, model, data, how, pool);
    return await fromPartition(request, labels as LabelColumn, data, how, pool);
  } finally {
    await pool?.close();
  }
}

/** Standard errors of the fit, or why there are none. */
function fitStandardErrors(fit: Fit, data: Data): StandardErrors | string {
  if (!fit.converged) return 'the fit has not converged, so it is not at a maximum';
  return standardErrors(data, fit.theta, fit.variance, fit.floor.floor);
}

const plotInput = (ctx: ReportContext) => ({ fit: ctx.fit, data: { x: ctx.rows.x, w: ctx.weights }, varName: ctx.varName, selection: ctx.selection });

function modelFile(ctx: ReportContext, version: string): ModelFile {
  const { fit } = ctx;
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    family: 'gaussian',
    variance: fit.variance,
    column: ctx.varName,
    variance_floor: fit.floor.floor,
    resolution: fit.floor.resolution,
    components: fit.labels.map((label, k) => ({ label, weight: fit.theta.weight[k], mean: fit.theta.mean[k], variance: fit.theta.variance[k] })),
    fit: { file: ctx.file, ...(ctx.group === null ? {} : { group: ctx.group }), n: fit.n, total_weight: fit.totalWeight, loglik: fit.loglik, bic: fit.bic, aic: fit.aic, icl: fit.icl, converged: fit.converged, iterations: fit.iterations },
    created_by: `em-fit ${version}`,
  };
}

/** What a fit of one data set needs to be reported. */
function context(request: FitRequest, table: Table, outcome: Outcome, data: Data, rows: Omit<RowSet, 'model' | 'labels' | 'logDensity'>, extra: { skipped: number; group: string | null; warnings: string[] }): ReportContext {
  const { fit } = outcome;
  return {
    fit,
    file: request.file,
    varName: table.varName,
    initName: request.initModel ?? table.labels?.name ?? null,
    rows: { ...rows, model: fit, labels: fit.labels, logDensity: false },
    weights: data.w,
    textPlotWidth: textPlotWidth(request),
    skipped: extra.skipped,
    group: extra.group,
    warnings: [...extra.warnings, ...(outcome.selection?.skipped ?? []), ...fit.warnings, ...(outcome.selection?.warnings ?? [])],
    responsibilities: request.responsibilities,
    settings: { rtol: request.rtol, maxIter: request.maxIter },
    selection: outcome.selection,
    search: table.labels === null && request.initModel === undefined ? { initMethod: request.initMethod, nInit: request.nInit, seed: request.seed } : null,
    guard: outcome.guard,
    weightName: table.weightName,
    standardErrors: request.se ? fitStandardErrors(fit, data) : null,
  };
}

function readWarnings(table: Table): string[] {
  return table.labelsOnlyInSkipped.map((label) => `label ${quote(label)} occurs only on rows skipped for missing values, so it has no component`);
}

/** The exit code after a report: 4 with --strict when a fit has not converged. */
function strictCode(request: FitRequest, fits: Fit[]): ExitCode {
  const open = fits.filter((f) => !f.converged);
  if (!request.strict || open.length === 0) return EXIT.ok;
  const what = fits.length === 1 ? `not converged after ${plural(open[0].iterations, 'iteration')}` : `${plural(open.length, 'group')} not converged`;
  process.stderr.write(`em-fit: ${what} (--strict)\n`);
  return EXIT.fit;
}

export async function runFit(request: FitRequest, version: string): Promise<ExitCode> {
  const model = request.initModel === undefined ? null : readModel(request.initModel);
  const input = openInput(request.file, request.format === 'csv');
  const options = readOptions(request, input.source, { var: request.var, init: request.init, weight: request.weight, by: request.by });
  const clock = [performance.now()];
  const table = await readInput(input, options, request.threads ?? availableParallelism());
  clock.push(performance.now());
  if (table.groups !== null) return runGroups(request, table, input, options, model, version);

  const data = { x: table.values, w: table.weights };
  const outcome = await fitData(request, data, table.labels, table.decimals, model);
  clock.push(performance.now());
  const ctx = context(request, table, outcome, data, { x: table.values, skippedRecords: table.skippedRecords }, { skipped: table.skippedRecords.length, group: null, warnings: readWarnings(table) });
  warn(request, ctx.warnings);
  if (typeof ctx.standardErrors === 'string') warn(request, [`no standard errors: ${ctx.standardErrors}`]);
  if (request.saveModel !== undefined) writeModel(request.saveModel, modelFile(ctx, version));
  if (request.plot !== undefined) await writePlot(request.plot, plotInput(ctx));
  const sink = new Sink(process.stdout);
  if (request.format === 'json') await writeJson(ctx, sink);
  else if (request.format === 'csv') await writeCsv(ctx.rows, table.header, dataRecords(input.stream(), options), sink);
  else await writeText(ctx, colours(process.stdout), request.rows, sink);
  clock.push(performance.now());
  if (request.timings) process.stderr.write(`em-fit: ${timings(clock, outcome)}\n`);
  return strictCode(request, [outcome.fit]);
}

/** One line of timings from the clock readings before and after reading, fitting and writing. */
function timings(clock: number[], outcome: Outcome): string {
  const [read, fitted, written] = [1, 2, 3].map((i) => (clock[i] - clock[i - 1]) / 1000);
  const { fit, selection, passes } = outcome;
  const work = selection
    ? `${plural(selection.candidates.length, 'candidate')} compared in ${plural(passes, 'pass')}`
    : `${plural(fit.iterations, 'iteration')}, ${plural(passes, 'pass')} over ${fit.n} rows, ${((fitted * 1000) / passes).toFixed(2)} ms per pass`;
  const rss = process.resourceUsage().maxRSS / 1024;
  return `timings: read ${read.toFixed(3)} s, fit ${fitted.toFixed(3)} s (${work}), write ${written.toFixed(3)} s, peak RSS ${rss.toFixed(0)} MB`;
}

/** The result of one --by group: its report, or why it could not be fitted. */
type GroupResult = { name: string; ctx: ReportContext } | { name: string; error: EmFitError };

/** The rows of each group, in order: a counting sort of the group codes. */
function rowsByGroup(codes: Int32Array, groups: number): Int32Array[] {
  const counts = new Int32Array(groups);
  for (let i = 0; i < codes.length; i++) counts[codes[i]]++;
  const rows = Array.from(counts, (count) => new Int32Array(count));
  const filled = new Int32Array(groups);
  for (let i = 0; i < codes.length; i++) rows[codes[i]][filled[codes[i]]++] = i;
  return rows;
}

/** The 0-based data record of each row in use, from the sorted skipped records. */
function recordIndices(n: number, skippedRecords: Int32Array): Int32Array {
  const index = new Int32Array(n);
  let skip = 0;
  for (let row = 0, record = 0; row < n; record++) {
    if (skip < skippedRecords.length && skippedRecords[skip] === record) skip++;
    else index[row++] = record;
  }
  return index;
}

/** The values of `rows`, in shared memory like the table's columns, so that a pool needs no copy. */
function pick(a: Float64Array, rows: Int32Array): Float64Array {
  const out = sharedFloat64(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = a[rows[j]];
  return out;
}

/** Fits each group separately; the exit code is 0 only if every group was fitted. */
async function runGroups(request: FitRequest, table: Table, input: Input, options: ReadOptions, model: ModelFile | null, version: string): Promise<ExitCode> {
  const groups = table.groups as LabelColumn;
  const byGroup = rowsByGroup(groups.codes, groups.names.length);
  const records = recordIndices(table.values.length, table.skippedRecords);
  const results: GroupResult[] = [];
  for (let g = 0; g < groups.names.length; g++) {
    const name = groups.names[g];
    const rows = byGroup[g];
    const skipped = table.skippedGroups.filter((code) => code === g).length;
    try {
      if (rows.length === 0) throw new EmFitError(`all ${plural(skipped, 'row')} of the group have a missing value`, EXIT.fit);
      const data = { x: pick(table.values, rows), w: table.weights === null ? null : pick(table.weights, rows) };
      const labels = table.labels === null ? null : { ...table.labels, codes: Int32Array.from(rows, (i) => (table.labels as LabelColumn).codes[i]) };
      const groupLabels = labels === null ? null : onlyPresentLabels(labels);
      const outcome = await fitData(request, data, groupLabels, table.decimals, model);
      const ctx = context(request, table, outcome, data, { x: data.x, skippedRecords: new Int32Array(0), recordIndex: Int32Array.from(rows, (i) => records[i]) }, { skipped, group: name, warnings: [] });
      results.push({ name, ctx });
      warn(request, ctx.warnings.map((w) => `group ${quote(name)}: ${w}`));
      if (typeof ctx.standardErrors === 'string') warn(request, [`group ${quote(name)}: no standard errors: ${ctx.standardErrors}`]);
    } catch (error) {
      if (!(error instanceof EmFitError) || error.exitCode === EXIT.usage) throw error;
      results.push({ name, error });
      warn(request, [`group ${quote(name)} was not fitted: ${error.message}`]);
    }
  }
  warn(request, readWarnings(table));
  if (request.saveModel !== undefined) {
    const paths = groupPaths(request.saveModel, results.map((r) => r.name));
    results.forEach((r, i) => {
      if ('ctx' in r) writeModel(paths[i], modelFile(r.ctx, version));
    });
  }
  if (request.plot !== undefined) {
    const paths = groupPaths(request.plot, results.map((r) => r.name));
    for (const [i, r] of results.entries()) if ('ctx' in r) await writePlot(paths[i], plotInput(r.ctx));
  }
  const sink = new Sink(process.stdout);
  if (request.format === 'json') {
    for (const r of results) {
      if ('ctx' in r) await writeJson(r.ctx, sink, false);
      else if (sink.push(`${JSON.stringify({ group: r.name, error: r.error.message })}\n`)) await sink.flush();
    }
    await sink.flush();
  } else if (request.format === 'csv') {
    const fitted = results.map((r) => ('ctx' in r ? r.ctx.rows : null));
    await writeGroupsCsv(groups, fitted, table.skippedRecords, table.header, dataRecords(input.stream(), options), sink);
  } else {
    const c = colours(process.stdout);
    for (const r of results) {
      sink.push(`${c.bold.inverse(` group ${r.name} `)}\n`);
      if ('ctx' in r) await writeText(r.ctx, c, request.rows, sink);
      else sink.push(`${c.red(`not fitted: ${r.error.message}`)}\n`);
      sink.push('\n');
    }
    await sink.flush();
  }
  const failed = results.find((r): r is { name: string; error: EmFitError } => 'error' in r);
  if (failed) return failed.error.exitCode;
  return strictCode(request, results.flatMap((r) => ('ctx' in r ? [r.ctx.fit] : [])));
}

/** A group's labels: only those present in the group, so K counts the group's own labels. */
function onlyPresentLabels(labels: LabelColumn): LabelColumn {
  const remap = new Map<number, number>();
  const names: string[] = [];
  const codes = labels.codes.map((code) => {
    let mapped = remap.get(code);
    if (mapped === undefined) {
      mapped = names.length;
      remap.set(code, mapped);
      names.push(labels.names[code]);
    }
    return mapped;
  });
  return { name: labels.name, codes, names };
}
