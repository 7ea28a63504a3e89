/**
 * `em-fit predict MODEL.json <file>`: score new data with a saved model.
 */
import { availableParallelism } from 'node:os';
import { EXIT, type ExitCode, fitError, inputError, usageError } from '../errors.js';
import { dataRecords } from '../io/csv.js';
import { fileModel, readModel } from '../io/model-file.js';
import { Sink } from '../io/sink.js';
import { LOGLIK } from '../models/family.js';
import { describe, makeFamily } from '../models/registry.js';
import { finite } from '../report/context.js';
import { paramsCsv, writeCsv } from '../report/csv.js';
import { columnKeys, componentKeys, PREDICT_FORMAT, structureKeys, writeJsonDocument } from '../report/json.js';
import { firstUnscored, recordNumbers, type RowSet } from '../report/rows.js';
import { histogramBlock, predictionText, writeResponsibilities } from '../report/text.js';
import { totalWeight } from '../select/fit.js';
import { quote, short } from '../text.js';
import { readFiles } from './fit.js';
import { about, announce, closeInput, colours, openInput, readInput, readOptions, readsTwice, textPlotWidth, textWidth, warn } from './io.js';
import { checkWeights } from './limits.js';
import { checkOutputs, checkStdout, stdoutFile } from './outputs.js';
import { writePlot } from './plot.js';
import type { PredictRequest } from './options.js';

export async function runPredict(request: PredictRequest): Promise<ExitCode> {
  const input = openInput(request.file, readsTwice(request.format));
  try {
    const reads = readFiles(input, { path: request.model, what: 'the model file being scored with' });
    checkStdout(reads);
    const out = stdoutFile();
    if (request.plot !== undefined) checkOutputs([{ option: '--plot', path: request.plot }], out === null ? reads : [...reads, out]);
    const model = readModel(request.model);
    if (!request.header && request.var === undefined) {
      throw usageError(`with --no-header, give the column to score as a number (--var N): the model was fitted to the column ${quote(model.column)}, which a file without a header cannot name`);
    }
    const d = model.columns?.length ?? 1;
    const vars = request.var === undefined ? (model.columns ?? [model.column]) : d > 1 ? request.var.split(',').map((v) => v.trim()) : [request.var];
    if (vars.length !== d) {
      throw usageError(`--var ${request.var} names ${vars.length === 1 ? 'one column' : `${vars.length} columns`}, but the model of ${request.model} scores ${d === 1 ? 'one' : d} (${model.column})`);
    }
    const options = readOptions(request, input.source, { var: vars[0], ...(d > 1 ? { vars } : {}), weight: request.weight, id: request.id });
    const table = await readInput(input, options, availableParallelism(), request.fileGiven);
    return await score(request, model, table, input, options);
  } finally {
    closeInput(input);
  }
}

/** What the model file's record of its fit says against using it: a fit that had not converged. */
function modelWarnings(model: ReturnType<typeof readModel>): string[] {
  const { converged, iterations } = model.fit;
  if (converged !== false) return [];
  return [`the model was saved from a fit that had not converged${typeof iterations === 'number' ? ` after ${iterations} iterations` : ''}; refit it with a larger --max-iter`];
}

async function score(
  request: PredictRequest,
  model: ReturnType<typeof readModel>,
  table: Awaited<ReturnType<typeof readInput>>,
  input: ReturnType<typeof openInput>,
  options: ReturnType<typeof readOptions>,
): Promise<ExitCode> {
  const scoring = fileModel(model);
  const { theta, spec } = scoring;
  const data = { x: table.values, w: table.weights, d: table.d };
  const n = table.values.length / table.d;
  checkWeights(data);
  const k = theta.weight.length;
  // A value outside the family's support (a negative value for a gamma model, a fraction for a Poisson one) has no density.
  const problem = table.d > 1 ? null : describe(spec).checkDomain(table.values);
  if (problem !== null) {
    throw inputError(`data row ${recordNumbers(table)(problem.index)} has the value ${short(problem.value, 8)}, which the ${model.family} model of ${request.model} cannot score (it ${problem.reason})`);
  }
  // A value so far from every component that its density is 0 in double precision has no
  // responsibilities and makes ℓ = −∞: refused, naming the row.
  const far = firstUnscored(scoring, table.values);
  if (far >= 0) {
    const row = recordNumbers(table)(far);
    throw fitError(
      `data row ${row} (${table.d > 1 ? 'values' : 'value'} ${Array.from(table.values.subarray(far * table.d, (far + 1) * table.d), (v) => short(v)).join(', ')}) lies so far from every component of ${request.model} that its density is 0 in double precision (log-density −∞); the model cannot score it`,
    );
  }
  announce('fitting');
  const family = makeFamily(spec);
  // The total log-likelihood Σ w_i log p(x_i | θ) of the new data, in one fused pass.
  const stats = new Float64Array(family.statsLength);
  family.pass(data, theta, stats, 0, n);
  const loglik = finite(stats[LOGLIK], 'log-likelihood');
  const total = totalWeight(data);
  const rows: RowSet = {
    model: scoring,
    labels: model.components.map((c) => c.label),
    x: table.values,
    skippedRecords: table.skippedRecords,
    logDensity: true,
  };
  const summary = {
    format: PREDICT_FORMAT,
    model: request.model,
    file: request.file,
    ...columnKeys(table.varNames),
    n,
    skipped: table.skippedRecords.length - table.zeroWeight,
    ...(table.weightName === null ? {} : { zero_weight: table.zeroWeight, weight: table.weightName }),
    total_weight: total,
    k,
    family: model.family,
    ...structureKeys(model.structure),
    loglik,
    mean_loglik: finite(loglik / total, 'log-likelihood per unit weight'),
    components: model.components.map((c, j) => ({ label: c.label, weight: c.weight, ...componentKeys(scoring, j) })),
    warnings: modelWarnings(model),
  };
  warn(request, summary.warnings, about(request.model));
  const labels = rows.labels;
  const floor = { resolution: model.resolution };
  announce('writing');
  if (request.plot !== undefined) {
    await writePlot(request.plot, { fit: { labels, structure: model.structure, spec, theta, trace: [], floor }, data, varName: table.varName });
  }
  const sink = new Sink(process.stdout);
  // All the cores for formatting many rows (the writer decides from how many).
  if (request.format === 'json') await writeJsonDocument(summary, request.responsibilities ? rows : null, sink, true, availableParallelism());
  else if (request.format === 'csv' || request.format === 'ndjson') {
    await writeCsv(rows, table.header, dataRecords(input.again(), options), sink, input.source, { format: request.format, id: table.idColumn });
    input.checkUnchanged('while the CSV report read its rows again');
  } else if (request.format === 'params') {
    sink.push(paramsCsv([{ fit: { spec, theta, labels }, standardErrors: null, group: null }], false));
    await sink.flush();
  } else {
    const c = colours(process.stdout);
    sink.push(predictionText(summary, labels, model.structure, spec, theta, c, textWidth(), table.varNames));
    if (table.d === 1) sink.push(histogramBlock("Histogram and the model's density", data, spec, theta, labels, model.resolution, textPlotWidth(request), c));
    await sink.flush();
    if (request.responsibilities && request.rows > 0) {
      sink.push('\n');
      await writeResponsibilities(rows, c, request.rows, sink, textWidth());
    }
  }
  return EXIT.ok;
}
