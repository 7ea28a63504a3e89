/**
 * Passes over the data in fixed chunks of rows, whose statistics are added in chunk order.
 *
 * The chunks do not depend on how many threads evaluate them, so a fit gives the same
 * numbers to the last bit on one thread or several: floating-point addition is not
 * associative, and summing per-thread totals would make the result depend on the thread
 * count (and so on the machine).
 */
import { type Data, type Family, type MixtureParams, rowCount } from '../models/family.js';
import type { PassRunner } from './em.js';

/** Rows per chunk. */
export const CHUNK_ROWS = 1 << 16;

export const chunkCount = (rows: number): number => Math.max(1, Math.ceil(rows / CHUNK_ROWS));

/** Adds the per-chunk statistics (chunk c at c·length) into `stats`, in chunk order. */
export function sumChunks(perChunk: Float64Array, chunks: number, stats: Float64Array): void {
  const length = stats.length;
  stats.fill(0);
  for (let c = 0; c < chunks; c++) {
    for (let j = 0; j < length; j++) stats[j] += perChunk[c * length + j];
  }
}

/** The per-chunk slots of `perChunk` (chunk c at c·length), made once per runner, not per pass. */
export const chunkSlots = (perChunk: Float64Array, chunks: number, length: number): Float64Array[] =>
  Array.from({ length: chunks }, (_, c) => perChunk.subarray(c * length, (c + 1) * length));

/**
 * Evaluates the chunks of rows [start, end) that `claim` hands out, each into its slot (see
 * chunkSlots), until claim returns a number past the last chunk. Threads sharing a pass claim
 * chunks from one counter, so a thread that starts late or runs slow just takes fewer.
 */
export function passChunks<P extends MixtureParams>(
  family: Family<P>,
  data: Data,
  theta: P,
  slots: readonly Float64Array[],
  start: number,
  end: number,
  claim: () => number,
): void {
  for (let c = claim(); c < slots.length; c = claim()) {
    const slot = slots[c];
    slot.fill(0);
    family.pass(data, theta, slot, start + c * CHUNK_ROWS, Math.min(end, start + (c + 1) * CHUNK_ROWS));
  }
}

/**
 * The single-threaded runner over rows [start, end) of the data. Its slots and claim are made
 * once, so that a pass makes no objects (a model search makes thousands a file).
 */
export function serialRunner<P extends MixtureParams>(family: Family<P>, data: Data, start = 0, end = rowCount(data)): PassRunner<P> {
  const chunks = chunkCount(end - start);
  const perChunk = new Float64Array(chunks * family.statsLength);
  const slots = chunkSlots(perChunk, chunks, family.statsLength);
  let next = 0;
  const claim = (): number => next++;
  return {
    run(theta, stats) {
      next = 0;
      passChunks(family, data, theta, slots, start, end, claim);
      sumChunks(perChunk, chunks, stats);
    },
    release() {},
  };
}
