/**
 * Worker threads that share the passes over the data with the main thread.
 *
 * The data live in SharedArrayBuffers that every thread reads; the threads claim each
 * pass's chunks (see chunks.ts) from a shared counter, and the statistics are added in
 * chunk order afterwards, so the result does not depend on the number of threads nor on
 * which thread took which chunk. Workers block in Atomics.wait between
 * passes: handing over a pass costs a few microseconds, where a message would cost a turn
 * of two event loops.
 *
 * A runner (one per fit) posts its job to the workers once; then every pass is
 *   main: write θ → reset the chunk counter → bump the generation → claim and evaluate
 *         chunks → wait for each worker's done flag to reach the generation → add them up.
 */
import { Worker } from 'node:worker_threads';
import { type Data, type Family, type MixtureParams, rowCount } from '../models/family.js';
import type { FamilySpec } from '../models/registry.js';
import { chunkCount, chunkSlots, passChunks, sumChunks } from './chunks.js';
import type { PassRunner } from './em.js';

/** Slots of the control array. */
export const GENERATION = 0;
export const COMMAND = 1;
export const FAILED = 2;
/** The next chunk to claim. */
export const NEXT = 3;
export const DONE = 4;

export const RUN = 1;
export const RELEASE = 2;

/** What a worker receives for one fit. */
export interface Job {
  spec: FamilySpec;
  /** The parameter vector of each pass. */
  params: Float64Array;
  /** Per-chunk statistics. */
  perChunk: Float64Array;
  start: number;
  end: number;
  /** The generation when the job was posted: the worker serves every later one. */
  generation: number;
  /**
   * Which data set the pool's arrays hold: a prefix (PassPool.prefix, --by's groups copied one
   * after another into the arrays) is a new one. A worker reads each through a new view, as
   * the main thread does, so that what kernels keep by the data array (families/log-column.ts)
   * is never taken for another data set's.
   */
  dataSet: number;
}

const shared = (length: number): Float64Array => new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));

/** A copy of `a` in shared memory, or `a` itself if it already is. */
function toShared(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const copy = shared(a.length);
  copy.set(a);
  return copy;
}

export class PassPool {
  private readonly control: Int32Array;

  private constructor(
    readonly data: Data,
    private readonly workers: Worker[],
    control: Int32Array,
    /** This pool's data set (see Job.dataSet). */
    private readonly dataSet: number,
    /**
     * What the pool and its prefixes share: the count of data sets made over its arrays so far,
     * and whether a runner holds the workers (they serve one job at a time).
     */
    private readonly state: { made: number; busy: boolean },
  ) {
    this.control = control;
  }

  /** Starts threads − 1 workers over the data (copied to shared memory if need be). */
  static create(data: Data, threads: number): PassPool {
    const sharedData = { x: toShared(data.x), w: data.w === null ? null : toShared(data.w), d: data.d ?? 1 };
    const control = new Int32Array(new SharedArrayBuffer((DONE + threads) * Int32Array.BYTES_PER_ELEMENT));
    const workers = Array.from({ length: threads - 1 }, (_, i) => {
      const worker = new Worker(new URL('./pass-worker.js', import.meta.url), {
        workerData: { x: sharedData.x, w: sharedData.w, d: sharedData.d, control, index: i },
      });
      worker.unref();
      return worker;
    });
    return new PassPool(sharedData, workers, control, 0, { made: 1, busy: false });
  }

  /**
   * The pool over rows [0, length) of its data, sharing its workers: for data sets copied one
   * after another into the start of the pool's arrays (the groups of --by), so that one pool
   * serves them all. Each prefix is a new data set (Job.dataSet): every thread reads it through
   * views of its own. Close the pool itself, not a prefix.
   */
  prefix(length: number): PassPool {
    const d = this.data.d ?? 1;
    const data = { x: this.data.x.subarray(0, length * d), w: this.data.w === null ? null : this.data.w.subarray(0, length), d };
    return new PassPool(data, this.workers, this.control, this.state.made++, this.state);
  }

  /** The generation of the last command, kept in shared memory so that prefixes of one pool agree on it. */
  private get generation(): number {
    return Atomics.load(this.control, GENERATION);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * A runner over rows [start, end) for `family`, which the workers rebuild from its spec.
   * Release it before asking for the next: the workers serve one job at a time.
   */
  runner<P extends MixtureParams>(family: Family<P>, start = 0, end = rowCount(this.data)): PassRunner<P> {
    if (this.state.busy) throw new Error('internal error: a pool runner was asked for before the last was released');
    this.state.busy = true;
    const chunks = chunkCount(end - start);
    const params = shared(family.paramsLength);
    const perChunk = shared(chunks * family.statsLength);
    const job: Job = { spec: family.spec, params, perChunk, start, end, generation: this.generation, dataSet: this.dataSet };
    for (const worker of this.workers) worker.postMessage(job);
    // Made once per runner, not per pass.
    const slots = chunkSlots(perChunk, chunks, family.statsLength);
    const claim = (): number => Atomics.add(this.control, NEXT, 1);
    let released = false;
    return {
      run: (theta, stats) => {
        if (released) throw new Error('internal error: a released pool runner was used');
        family.toVector(theta, params);
        Atomics.store(this.control, NEXT, 0);
        this.signal(RUN);
        passChunks(family, this.data, theta, slots, start, end, claim);
        this.await();
        sumChunks(perChunk, chunks, stats);
      },
      release: () => {
        if (released) return;
        released = true;
        this.state.busy = false;
        this.signal(RELEASE);
        this.await();
      },
    };
  }

  private signal(command: number): void {
    const generation = this.generation + 1;
    // Each command reports its own failure.
    Atomics.store(this.control, FAILED, 0);
    Atomics.store(this.control, COMMAND, command);
    Atomics.store(this.control, GENERATION, generation);
    Atomics.notify(this.control, GENERATION);
  }

  private await(): void {
    const generation = this.generation;
    for (let i = 0; i < this.workers.length; i++) {
      for (;;) {
        const done = Atomics.load(this.control, DONE + i);
        if (done === generation) break;
        Atomics.wait(this.control, DONE + i, done, 1000);
      }
    }
    if (Atomics.load(this.control, FAILED) !== 0) throw new Error('internal error in a worker thread');
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
