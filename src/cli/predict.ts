/**
 * `em-fit predict MODEL.json <file>`: score new data with a saved model.
 */
import { availableParallelism } from 'node:os';
import { EXIT, type ExitCode } from '../errors.js';
import { dataRecords } from '../io/csv.js';
import { modelParameters, readModel } from '../io/model-file.js';
import { Sink } from '../io/sink.js';
import { LOGLIK } from '../models/family.js';
import { gaussianFamily } from '../models/gaussian.js';
import { finite } from '../report/context.js';
import { writeCsv } from '../report/csv.js';
import { writeJsonDocument } from '../report/json.js';
import type { RowSet } from '../report/rows.js';
import { histogramBlock, predictionText, writeResponsibilities } from '../report/text.js';
import { totalWeight } from '../select/fit.js';
import { colours, openInput, readInput, readOptions, textPlotWidth } from './io.js';
import { writePlot } from './plot.js';
import type { PredictRequest } from './options.js';

export async function runPredict(request: PredictRequest): Promise<ExitCode> {
  const model = readModel(request.model);
  const input = openInput(request.file, request.format === 'csv');
  const options = readOptions(request, input.source, { var: request.var ?? model.column, weight: request.weight });
  const table = await readInput(input, options, availableParallelism());
  const theta = modelParameters(model);
  const data = { x: table.values, w: table.weights };
  const k = theta.weight.length;
  const family = gaussianFamily({ k, variance: model.variance, floor: model.variance_floor });
  // The total log-likelihood Σ w_i log p(x_i | θ) of the new data, in one fused pass.
  const stats = new Float64Array(family.statsLength);
  family.pass(data, theta, stats, 0, table.values.length);
  const loglik = finite(stats[LOGLIK], 'log-likelihood');
  const total = totalWeight(data);
  const rows: RowSet = {
    model: { theta, variance: model.variance, floor: { floor: model.variance_floor } },
    labels: model.components.map((c) => c.label),
    x: table.values,
    skippedRecords: table.skippedRecords,
    logDensity: true,
  };
  const summary = {
    model: request.model,
    file: request.file,
    var: table.varName,
    n: table.values.length,
    skipped: table.skippedRecords.length,
    ...(table.weightName === null ? {} : { weight: table.weightName }),
    total_weight: total,
    k,
    variance: model.variance,
    loglik,
    mean_loglik: loglik / total,
    components: model.components,
  };
  const labels = rows.labels;
  const floor = { resolution: model.resolution };
  if (request.plot !== undefined) {
    await writePlot(request.plot, { fit: { labels, variance: model.variance, theta, trace: [], floor }, data, varName: table.varName });
  }
  const sink = new Sink(process.stdout);
  if (request.format === 'json') await writeJsonDocument(summary, request.responsibilities ? rows : null, sink);
  else if (request.format === 'csv') await writeCsv(rows, table.header, dataRecords(input.stream(), options), sink);
  else {
    const c = colours(process.stdout);
    sink.push(predictionText(summary, theta, c));
    sink.push(histogramBlock("Histogram and the model's density", data, theta, labels, model.resolution, textPlotWidth(request), c));
    await sink.flush();
    if (request.responsibilities && request.rows > 0) {
      sink.push('\n');
      await writeResponsibilities(rows, c, request.rows, sink);
    }
  }
  return EXIT.ok;
}
