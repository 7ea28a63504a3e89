/**
 * A worker of the JSON report (json.ts, responsibilityText): formats the responsibilities'
 * lines of the stretches of rows it is sent, and sends back their bytes, classes and
 * log-densities (moved, not copied). An error in the fit's numbers (a responsibility that
 * is not finite) goes back as its message and exit code, to be thrown where the report is
 * written.
 */
import { parentPort } from 'node:worker_threads';
import { EmFitError } from '../errors.js';
import { ByteText } from '../io/sink.js';
import { dimensionOf } from '../models/registry.js';
import { responsibilityLines } from './row-text.js';
import type { Model } from './rows.js';

export interface StretchRequest {
  id: number;
  model: Model;
  /** The stretch's rows (rows × d, row-major). */
  x: Float64Array;
  /** The document's number of the stretch's first row. */
  firstRow: number;
  pretty: boolean;
  withDensities: boolean;
}

/** A stretch's lines as bytes, with their rows' classes and log-densities. */
export interface StretchLines {
  id: number;
  bytes: Uint8Array;
  classes: Int32Array;
  densities: Float64Array | null;
}

export type StretchReply = StretchLines | { id: number; error: { message: string; exitCode: number | null } };

parentPort?.on('message', (request: StretchRequest) => {
  try {
    const out = new ByteText(1 << 20);
    const rows = request.x.length / dimensionOf(request.model.spec);
    const { classes, densities } = responsibilityLines(request.model, request.x, 0, rows, request.firstRow, request.pretty, request.withDensities, out);
    // The bytes' buffer is theirs alone (ByteText allocates at least 1 MB, never from Buffer's shared pool): moved, not copied.
    const bytes = out.take();
    const reply: StretchReply = { id: request.id, bytes, classes, densities };
    parentPort?.postMessage(reply, [bytes.buffer as ArrayBuffer, classes.buffer as ArrayBuffer, ...(densities === null ? [] : [densities.buffer as ArrayBuffer])]);
  } catch (error) {
    const reply: StretchReply = { id: request.id, error: { message: error instanceof Error ? error.message : String(error), exitCode: error instanceof EmFitError ? error.exitCode : null } };
    parentPort?.postMessage(reply);
  }
});
