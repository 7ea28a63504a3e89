/** What every report format is given: the fit, and where its data came from. */
import { fitError } from '../errors.js';
import type { StandardErrors } from '../models/gaussian-se.js';
import type { Fit } from '../select/fit.js';
import type { Note } from '../select/notes.js';
import type { Guard, Selection } from '../select/search.js';
import type { InitMethod } from '../select/starts.js';
import type { RowSet } from './rows.js';

export interface ReportContext {
  fit: Fit;
  /** The input as the user named it ("-" for standard input). */
  file: string;
  varName: string;
  /** The numeric columns, d of them (one: [varName]). */
  varNames: string[];
  /** The partition column, or null when the start came from elsewhere. */
  initName: string | null;
  /** The rows in use, scored by the fit. */
  rows: RowSet;
  /** Their frequency weights, or null. */
  weights: Float64Array | null;
  /** Columns of the text histogram under the parameter table, or null for none. */
  textPlotWidth: number | null;
  /** Columns text output may take: tables are fitted to them (see width.ts). */
  textWidth: number;
  /** Rows left out for missing values. */
  skipped: number;
  /** Rows left out for weight 0, or null without a weight column. */
  zeroWeight: number | null;
  /** The group of a --by fit, or null. */
  group: string | null;
  /** Every warning: the reader's and the fit's. */
  warnings: string[];
  /** The fit's and the search's notes as codes and numbers (src/select/notes.ts), for JSON. */
  notes: Note[];
  /** Include the per-row responsibilities and classification. */
  responsibilities: boolean;
  /** Settings echoed into the report. */
  settings: { rtol: number; maxIter: number };
  /** The candidates compared, when there were several. */
  selection: Selection | null;
  /** The frequency-weight column, or null. */
  weightName: string | null;
  /** Standard errors when asked for (--se): the numbers, or why there are none. */
  standardErrors: StandardErrors | string | null;
  /** How degenerate components were kept out (see select/search.ts). */
  guard: Guard;
  /** How a search without a partition was started, or null. */
  search: { initMethod: InitMethod; nInit: number; seed: number } | null;
}

/**
 * Throws if a number about to be printed is not finite. The CLI refuses such fits before it
 * reports them (exit 4); this is the last guard, with the same exit code and the remedy.
 */
export function finite(value: number, what: string): number {
  if (!Number.isFinite(value)) throw fitError(`the ${what} of the fit is ${value}: the values or weights are beyond what doubles hold here; rescale them`);
  return value;
}
