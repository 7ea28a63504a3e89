/**
 * The responsibilities' lines of the JSON report, as bytes: the same function on the main
 * thread and in rows-worker.ts, which formats every other stretch of rows beside it (see
 * responsibilityText in json.ts). Writing a double as text (V8's shortest digits) is most of
 * the work of writing a million rows, and the rows are independent.
 */
import { ByteText } from '../io/sink.js';
import { finite } from './context.js';
import { numberText } from './format.js';
import { argmax, type Model, rowBlocks } from './rows.js';

/** `]`, `[` and `,` */
const CLOSE = 0x5d;
const OPEN = 0x5b;
const COMMA = 0x2c;

/** What the lines of rows [start, end) carry back beside their text. */
export interface RowStretch {
  /** The most likely component of each row (its index among the model's components). */
  classes: Int32Array;
  /** Each row's log-density, when asked for (predict). */
  densities: Float64Array | null;
}

/**
 * Appends to `out` the lines of rows [start, end) of `x` (n × d, row-major): each row's
 * responsibilities as `[r_1, …, r_K]`, after a line break and indent (with a comma before
 * it unless it is the document's first row). `x` holds the document's rows from row
 * `firstRow` on (a stretch of them, in a worker).
 */
export function responsibilityLines(model: Model, x: Float64Array, start: number, end: number, firstRow: number, pretty: boolean, withDensities: boolean, out: ByteText): RowStretch {
  const [nl, indent, comma] = pretty ? ['\n', '  ', ', '] : ['', '', ','];
  const first = `${nl}${indent}${indent}[`;
  const next = `,${first}`;
  const k = model.theta.weight.length;
  const classes = new Int32Array(end - start);
  const densities = withDensities ? new Float64Array(end - start) : null;
  for (const block of rowBlocks(model, x, end, start)) {
    const { r, logDensity } = block;
    for (let i = block.start; i < block.end; i++) {
      const offset = (i - block.start) * k;
      classes[i - start] = argmax(r, offset, k);
      if (densities !== null) densities[i - start] = finite(logDensity[i - block.start], 'log-density');
      if (pretty) out.latin1(i + firstRow === 0 ? first : next);
      else {
        if (i + firstRow !== 0) out.byte(COMMA);
        out.byte(OPEN);
      }
      out.latin1(numberText(finite(r[offset], 'responsibility')));
      for (let j = 1; j < k; j++) {
        if (pretty) out.latin1(comma);
        else out.byte(COMMA);
        out.latin1(numberText(finite(r[offset + j], 'responsibility')));
      }
      out.byte(CLOSE);
    }
  }
  return { classes, densities };
}
