/**
 * `--by <column>`: one independent fit per group of rows, in order of first appearance.
 *
 * Each group's output (its JSON line, its text section, its model file and pictures, and the
 * CSV lines that can be written) is written as soon as the group is fitted, and nothing of
 * it is kept: memory is the table read plus the largest group, however many groups there
 * are. The groups' values are copied, one group at a time, into one buffer in shared memory,
 * over which one pool of worker threads serves every group that uses threads.
 */
import { PassPool } from '../em/pool.js';
import { EmFitError, EXIT, type ExitCode } from '../errors.js';
import { dataRecords, type LabelColumn, type ReadOptions, type Table } from '../io/csv.js';
import { labelOrder } from '../io/labels.js';
import { type ModelFile, writeModel } from '../io/model-file.js';
import { Sink } from '../io/sink.js';
import { sharedFloat64 } from '../io/table.js';
import { GroupsCsv, type ParamsFit, paramsCsv } from '../report/csv.js';
import { columnKeys, FIT_FORMAT, writeJson } from '../report/json.js';
import { errorText } from '../report/notes.js';
import { truncate, wrap } from '../report/width.js';
import { plural, quote, shown } from '../text.js';
import { JobPool } from '../select/job-pool.js';
import { context, fitData, fitMoments, modelFile, peakRss, plotInput, readWarnings, refused, searchLabels, searchThreads, strictCode, structureCount, textReport, threadCount, threadsAsked, workEstimate } from './fit.js';
import { about, announce, colours, type Input, say, textWidth, warn } from './io.js';
import { duration, LONG_SECONDS } from './limits.js';
import type { FitRequest } from './options.js';
import { checkOutputs, groupPaths, type Output, type ReadFile } from './outputs.js';
import { writePlot } from './plot.js';
import type { Codes } from '../models/family.js';

/** Seconds one picture takes to render and write (vega in Node), for the warning about many groups. */
const SECONDS_PER_PICTURE = 0.1;
/** Seconds a group costs besides its fit (copying its rows, its report), for the same warning. */
const SECONDS_PER_GROUP = 5e-4;
/** Milliseconds between turns given to the event loop, so that Ctrl-C is heard between many small groups. */
const YIELD_MS = 50;

/** The rows of each group, in order: a counting sort of the group codes (rows of group g are order[start[g] .. start[g + 1])). */
function rowsByGroup(codes: Codes, groups: number): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < codes.length; i++) start[codes[i] + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const filled = start.slice(0, groups);
  const order = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) order[filled[codes[i]]++] = i;
  return { order, start };
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

/** A group's labels: only those present in the group, so K counts the group's own labels. */
function onlyPresentLabels(labels: LabelColumn, rows: Int32Array): LabelColumn {
  const remap = new Map<number, number>();
  const names: string[] = [];
  const codes = Int32Array.from(rows, (i) => {
    const code = labels.codes[i];
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

/** The p_<label> columns of the CSV, known before any group is fitted: every label a group's fit can have. */
function csvLabels(request: FitRequest, table: Table, model: ModelFile | null): string[] {
  if (model !== null) return model.components.map((c) => c.label);
  if (table.labels !== null) {
    const names = table.labels.names;
    return labelOrder(names).map((i) => names[i]);
  }
  return searchLabels(request);
}

/** Per-group counts of the records left out: for a missing value, and for weight 0. */
function leftOutByGroup(table: Table, groups: number): { missing: Int32Array; zero: Int32Array } {
  const missing = new Int32Array(groups);
  const zero = new Int32Array(groups);
  for (let j = 0; j < table.skippedGroups.length; j++) {
    const g = table.skippedGroups[j];
    if (g < 0) continue;
    if (table.skippedZero[j]) zero[g]++;
    else missing[g]++;
  }
  return { missing, zero };
}

/** Fits each group separately; the exit code is 0 only if every group was fitted. */
export async function runGroups(
  request: FitRequest,
  table: Table,
  input: Input,
  options: ReadOptions,
  model: ModelFile | null,
  version: string,
  reads: ReadFile[],
  clock: number[],
): Promise<ExitCode> {
  const groups = table.groups as LabelColumn;
  const count = groups.names.length;
  // Every group's files, checked before the first fit: no name clash, no file read, a writable directory.
  const modelPaths = request.saveModel === undefined ? null : groupPaths(request.saveModel, groups.names);
  const plotPaths = request.plot === undefined ? null : groupPaths(request.plot, groups.names);
  const outputs: Output[] = [];
  const checked = new Set<string>();
  groups.names.forEach((_, g) => {
    if (modelPaths !== null) outputs.push({ option: '--save-model', path: modelPaths[g] });
    if (plotPaths !== null) outputs.push({ option: '--plot', path: plotPaths[g] });
  });
  checkOutputs(outputs, reads, checked);
  if (plotPaths !== null && count * SECONDS_PER_PICTURE > LONG_SECONDS) {
    warn(request, [`--plot with --by draws one picture per group: ${count} pictures at about ${SECONDS_PER_PICTURE} s each, ${duration(count * SECONDS_PER_PICTURE)} in all; leave out --plot or draw only the groups you need`], about(request.file));
  }

  const { order, start } = rowsByGroup(groups.codes, count);
  const d = table.d;
  const records = recordIndices(table.values.length / d, table.skippedRecords);
  const leftOut = leftOutByGroup(table, count);
  let largest = 0;
  let seconds = 0;
  const k = model?.components.length ?? table.labels?.names.length ?? null;
  for (let g = 0; g < count; g++) {
    const rows = start[g + 1] - start[g];
    largest = Math.max(largest, rows);
    seconds += workEstimate(request, rows, k, threadCount(request, rows), structureCount(request, model, table.labels !== null)).seconds + SECONDS_PER_GROUP;
  }
  if (seconds > LONG_SECONDS) {
    warn(request, [`fitting the ${count} groups (the largest of ${plural(largest, 'row')}) may take ${duration(seconds)} or so: ${workEstimate(request, largest, k, 1, structureCount(request, model, table.labels !== null)).what}`], about(request.file));
  }
  // One buffer for the values (and weights) of the group being fitted, and one pool over it.
  const x = sharedFloat64(largest * d);
  const w = table.weights === null ? null : sharedFloat64(largest);
  let pool: PassPool | null = null;
  const poolFor = (rows: number): PassPool | null => {
    if (threadCount(request, rows) <= 1) return null;
    pool ??= PassPool.create({ x, w, d }, threadsAsked(request) ?? threadCount(request, largest));
    return pool.prefix(rows);
  };
  // The model searches of the groups share one pool of threads too (see select/job-pool.ts).
  const searching = model === null && table.labels === null;
  let jobs: JobPool | null = null;
  const jobsFor = (rows: number): JobPool | null => {
    if (!searching || searchThreads(request, rows) <= 1) return null;
    jobs ??= JobPool.create(searchThreads(request, largest));
    return jobs;
  };

  const sink = new Sink(process.stdout);
  const c = colours(process.stdout);
  const csv =
    request.format === 'csv' || request.format === 'ndjson'
      ? new GroupsCsv(groups.codes, groups.names, table.values, table.skippedRecords, table.skippedGroups, table.header, csvLabels(request, table, model), dataRecords(input.again(), options), sink, input.source, {
          format: request.format,
          id: table.idColumn,
        })
      : null;
  // --format params: every group's parameter table, written once all are fitted (its columns are those of every group's family).
  const params: ParamsFit[] = [];
  let failure: EmFitError | null = null;
  let fitted = 0;
  let open = 0;
  let iterations = 0;
  announce('fitting');
  let turned = performance.now();
  try {
    for (let g = 0; g < count; g++) {
      if (performance.now() - turned >= YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turned = performance.now();
      }
      const name = groups.names[g];
      const rows = order.subarray(start[g], start[g + 1]);
      const missing = leftOut.missing[g];
      if (rows.length === 0 && missing === 0) {
        warn(request, ['the group has only rows of weight 0, so it is left out'], about(request.file, name));
        await csv?.groupDone(g, null);
        continue;
      }
      try {
        if (rows.length === 0) throw new EmFitError(`all ${plural(missing + leftOut.zero[g], 'row')} of the group were left out (a missing value${table.weightName === null ? '' : ' or weight 0'})`, EXIT.fit);
        for (let j = 0; j < rows.length; j++) {
          for (let p = 0; p < d; p++) x[j * d + p] = table.values[rows[j] * d + p];
          if (w !== null) w[j] = (table.weights as Float64Array)[rows[j]];
        }
        const data = { x: x.subarray(0, rows.length * d), w: w === null ? null : w.subarray(0, rows.length), d };
        const labels = table.labels === null ? null : onlyPresentLabels(table.labels, rows);
        const outcome = await fitData(request, data, labels, d > 1 ? table.columnDecimals : table.decimals, model, (i) => `data row ${records[rows[i]] + 1} (group ${quote(name)})`, { passes: poolFor(rows.length), jobs: jobsFor(rows.length) }, true);
        const ctx = context(
          request,
          table,
          outcome,
          data,
          { x: data.x, skippedRecords: new Int32Array(0), recordIndex: Int32Array.from(rows, (i) => records[i]) },
          { skipped: missing, zeroWeight: table.weightName === null ? null : leftOut.zero[g], group: name, warnings: [] },
        );
        warn(request, [...ctx.warnings, ...(typeof ctx.standardErrors === 'string' ? [`no standard errors: ${ctx.standardErrors}`] : [])], about(request.file, name));
        const summaryOnly = refused(request, ctx.fit);
        if (modelPaths !== null && !summaryOnly) writeModel(modelPaths[g], modelFile(ctx, version), fitMoments(ctx.fit));
        if (plotPaths !== null && !summaryOnly) await writePlot(plotPaths[g], plotInput(ctx));
        if (request.format === 'json') await writeJson(summaryOnly ? { ...ctx, responsibilities: false } : ctx, sink, false);
        else if (csv !== null) await csv.groupDone(g, summaryOnly ? null : { model: { spec: ctx.fit.spec, theta: ctx.fit.theta }, labels: ctx.fit.labels });
        else if (request.format === 'params') params.push({ fit: ctx.fit, standardErrors: ctx.standardErrors, group: name });
        else {
          sink.push(`${c.bold.inverse(` group ${truncate(shown(name), ctx.textWidth - 8)} `)}\n`);
          await (await textReport()).writeText(ctx, c, request.rows, sink, summaryOnly);
          sink.push('\n');
          await sink.flush();
        }
        fitted++;
        if (!ctx.fit.converged) {
          open++;
          iterations = ctx.fit.iterations;
        }
      } catch (error) {
        if (!(error instanceof EmFitError) || error.exitCode === EXIT.usage || error.exitCode === EXIT.output) throw error;
        failure ??= error;
        const message = errorText(error);
        warn(request, [`not fitted: ${message}`], about(request.file, name));
        if (request.format === 'json') {
          sink.push(`${JSON.stringify({ format: FIT_FORMAT, group: name, file: request.file, ...columnKeys(table.varNames), error: message })}\n`);
          await sink.flush();
        } else if (csv !== null) await csv.groupDone(g, null);
        else if (request.format === 'params') continue;
        else {
          sink.push(`${c.bold.inverse(` group ${truncate(shown(name), textWidth() - 8)} `)}\n${c.red(wrap(`not fitted: ${shown(message)}`, textWidth()))}\n\n`);
          await sink.flush();
        }
      }
    }
    if (request.format === 'params') sink.push(paramsCsv(params, true));
    if (csv !== null) {
      await csv.finish();
      input.checkUnchanged('while the CSV report read its rows again');
    }
    await sink.flush();
  } finally {
    await (pool as PassPool | null)?.close();
    await (jobs as JobPool | null)?.close();
  }
  warn(request, readWarnings(table), about(request.file));
  if (request.timings) {
    const [read, work] = [(clock[1] - clock[0]) / 1000, (performance.now() - clock[1]) / 1000];
    say(`em-fit: timings: read ${read.toFixed(3)} s, fit and write ${work.toFixed(3)} s (${plural(count, 'group')}, the largest of ${plural(largest, 'row')}), peak RSS ${peakRss()} MB\n`);
  }
  if (failure !== null) return failure.exitCode;
  return strictCode(request, fitted, open, iterations);
}
