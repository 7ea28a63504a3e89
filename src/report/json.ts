/**
 * The JSON report: one document, written incrementally. The small part comes from
 * JSON.stringify; the per-row arrays (responsibilities, classification) are streamed, one
 * row per line, so that ten million rows never form one string.
 */
import type { Sink } from '../io/sink.js';
import { type ReportContext, finite } from './context.js';
import { argmax, rowBlocks } from './rows.js';

/** Everything in the report but the per-row arrays, as a plain object. */
export function fitSummary(ctx: ReportContext): Record<string, unknown> {
  const { fit } = ctx;
  const { theta } = fit;
  const check = (v: number, what: string): number => finite(v, what);
  return {
    file: ctx.file,
    var: ctx.varName,
    init: ctx.initName,
    n: fit.n,
    skipped: ctx.skippedRecords.length,
    k: fit.labels.length,
    variance: fit.variance,
    converged: fit.converged,
    stop_reason: fit.stopReason,
    iterations: fit.iterations,
    accel: fit.accel,
    passes: fit.passes,
    rejected: fit.rejected,
    loglik: check(fit.loglik, 'loglik'),
    n_params: fit.nParams,
    bic: check(fit.bic, 'bic'),
    aic: check(fit.aic, 'aic'),
    icl: check(fit.icl, 'icl'),
    entropy: check(fit.entropy, 'entropy'),
    variance_floor: check(fit.floor.floor, 'variance floor'),
    resolution: fit.floor.resolution,
    rtol: ctx.settings.rtol,
    max_iter: ctx.settings.maxIter,
    ...(ctx.search ? { init_method: ctx.search.initMethod, n_init: ctx.search.nInit, seed: ctx.search.seed } : {}),
    ...(ctx.selection
      ? {
          criterion: ctx.selection.criterion,
          selection: ctx.selection.candidates.map((c) => ({
            k: c.labels.length,
            variance: c.variance,
            loglik: check(c.loglik, 'candidate loglik'),
            n_params: c.nParams,
            bic: check(c.bic, 'candidate bic'),
            aic: check(c.aic, 'candidate aic'),
            icl: check(c.icl, 'candidate icl'),
            converged: c.converged,
          })),
        }
      : {}),
    components: fit.labels.map((label, k) => ({
      label,
      weight: check(theta.weight[k], 'weight'),
      mean: check(theta.mean[k], 'mean'),
      variance: check(theta.variance[k], 'variance'),
      sd: check(Math.sqrt(theta.variance[k]), 'sd'),
    })),
    trace: fit.trace.map((t) => ({
      iteration: t.iteration,
      loglik: check(t.loglik, 'trace loglik'),
      elbo: t.elbo === null ? null : check(t.elbo, 'trace elbo'),
      step: t.step,
    })),
    warnings: ctx.warnings,
  };
}

export async function writeJson(ctx: ReportContext, sink: Sink): Promise<void> {
  const head = JSON.stringify(fitSummary(ctx), null, 2);
  if (!ctx.responsibilities) {
    sink.push(`${head}\n`);
    return sink.flush();
  }
  // Reopen the object to append the streamed arrays. The classification is kept from the
  // same pass as the responsibilities, as one small integer per row.
  sink.push(`${head.slice(0, -2)},\n  "responsibilities": [`);
  const k = ctx.fit.labels.length;
  const n = ctx.x.length;
  const classes = new Int32Array(n);
  for (const block of rowBlocks(ctx.fit, ctx.x)) {
    for (let i = block.start; i < block.end; i++) {
      const offset = (i - block.start) * k;
      classes[i] = argmax(block.r, offset, k);
      const row: string[] = [];
      for (let j = 0; j < k; j++) row.push(String(finite(block.r[offset + j], 'responsibility')));
      if (sink.push(`${i === 0 ? '' : ','}\n    [${row.join(', ')}]`)) await sink.flush();
    }
  }
  sink.push(`${n > 0 ? '\n  ' : ''}],\n  "classification": [`);
  const labels = ctx.fit.labels.map((l) => JSON.stringify(l));
  const LINE = 32;
  for (let start = 0; start < n; start += LINE) {
    const parts: string[] = [];
    for (let i = start; i < Math.min(n, start + LINE); i++) parts.push(labels[classes[i]]);
    if (sink.push(`${start === 0 ? '' : ','}\n    ${parts.join(', ')}`)) await sink.flush();
  }
  sink.push(`${n > 0 ? '\n  ' : ''}]\n}\n`);
  await sink.flush();
}
