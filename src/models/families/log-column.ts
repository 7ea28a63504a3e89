/**
 * log x_i of a data column, taken once and kept, for the kernels whose rows are log x alone
 * (the Weibull's and the log-normal's: WasmSpec.logX 'input' in kernel-wasm.ts).
 *
 * Their WebAssembly passes used to take the table log of every row in every pass, a tenth of
 * the Weibull's pass (23.7 → 20.9 ms per 1M rows at K = 3 without it); x does not change, so
 * neither do its logs. Each pass asks for the rows it covers: their logs are taken then, a block
 * of rows at a time, by the same table log as the kernels' (exp.ts's logPositiveSource, whose
 * bits the vector log shares), so the pass gives the same numbers as when it took them itself.
 * A value the table log does not take (zero, a subnormal, ∞, NaN) gets NaN, which the vector
 * code sends to the JavaScript kernel with its block, as it did those x.
 *
 * The columns are kept per thread by the data array (a WeakMap: a column goes with its array),
 * so every fit over the same rows shares one: 8 bytes a row for each thread that passes over
 * them. This relies on what Data says of x: an array is never changed once it is data (the
 * readers and samples fill new arrays; --by's groups, copied one after another into one
 * shared buffer, are each read through new views, in the pass pool's workers too).
 */
import { KERNEL_TABLES, logPositiveSource } from '../exp.js';

/** Rows per block whose logs are taken together. */
const BLOCK = 4096;

type Logs = (x: Float64Array, out: Float64Array, from: number, to: number) => void;

const takeLogs = new Function(
  ...Object.keys(KERNEL_TABLES),
  `return function takeLogs(x, out, from, to) {
    for (let i = from; i < to; i++) {
      const v = x[i];
      let l = NaN;
      if (v >= ${2 ** -1022} && v <= ${Number.MAX_VALUE}) {
        ${logPositiveSource('v', 'l')}
      }
      out[i] = l;
    }
  };`,
)(...Object.values(KERNEL_TABLES)) as Logs;

const columns = new WeakMap<Float64Array, { logs: Float64Array; done: Uint8Array }>();

/** The logs of x, of rows [start, end) at least (the others may not be taken yet). */
export function logColumn(x: Float64Array, start: number, end: number): Float64Array {
  let column = columns.get(x);
  if (column === undefined) {
    column = { logs: new Float64Array(x.length), done: new Uint8Array(Math.ceil(x.length / BLOCK)) };
    columns.set(x, column);
  }
  const { logs, done } = column;
  for (let b = Math.floor(start / BLOCK); b * BLOCK < end; b++) {
    if (done[b] === 0) {
      takeLogs(x, logs, b * BLOCK, Math.min(x.length, (b + 1) * BLOCK));
      done[b] = 1;
    }
  }
  return logs;
}
