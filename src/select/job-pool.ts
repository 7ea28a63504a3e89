/**
 * Whole EM fits run side by side for the model search: a batch of independent fits (jobs),
 * each from its own start on data the worker threads already hold, shared between the main
 * thread and the workers.
 *
 * A fit's result depends only on its job, never on the thread that ran it, so results are
 * gathered by job index and the search's choices (best objective, ties to the earlier job)
 * are the same bytes for any number of threads. The protocol is synchronous, so that the
 * search stays a generator the CLI drives: main posts the batch to every worker, then claims
 * jobs from a shared counter (as the workers do) and runs them itself, yielding progress;
 * then it waits on each worker's done flag and takes its results with receiveMessageOnPort,
 * which needs no turn of the event loop.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Progress } from '../em/em.js';
import type { Data, MixtureParams } from '../models/family.js';
import { type Fit, type FitSettings, fitFrom } from './fit.js';

/** One fit: from θ on data set `data` (an index into the data the pool was given). */
export interface FitJob {
  data: number;
  theta: MixtureParams;
  labels: string[];
  /** The fit's settings; `degeneracy`, when checked, on the same data set's compact form. */
  settings: Omit<FitSettings, 'degeneracy'> & { degeneracy?: { perWeight: number } };
  floored: Uint8Array;
}

/** The data sets of a search: rows to fit and their compact forms for the degeneracy check. */
export interface JobData {
  rows: Data;
  compact: Data;
}

/** Slots of the control array, per worker i: the batch it last began (2i), and last finished (2i + 1). */
export const began = (i: number): number => 2 * i;
export const finished = (i: number): number => 2 * i + 1;

/** Runs a job where it is: the same function on the main thread and in a worker. */
export function* runJob(job: FitJob, sets: readonly JobData[]): Generator<Progress, Fit> {
  const set = sets[job.data];
  const { degeneracy, ...rest } = job.settings;
  const settings: FitSettings = degeneracy === undefined ? rest : { ...rest, degeneracy: { compact: set.compact, perWeight: degeneracy.perWeight } };
  // Results travel between threads: unless asked for, only what the search reads, no trace nor warnings.
  return yield* fitFrom(set.rows, job.theta, job.labels, { ...settings, lean: settings.lean ?? true }, job.floored);
}

export class JobPool {
  private batch = 0;
  private sets: readonly JobData[] = [];

  private constructor(
    private readonly workers: Worker[],
    private readonly ports: MessagePort[],
    private readonly control: Int32Array,
  ) {}

  /**
   * A pool of `threads` − 1 workers (none for one thread). One pool can serve many searches
   * (the groups of --by): each gives it its data sets with `load`.
   */
  static create(threads: number): JobPool {
    const control = new Int32Array(new SharedArrayBuffer(2 * Math.max(1, threads - 1) * Int32Array.BYTES_PER_ELEMENT));
    const workers: Worker[] = [];
    const ports: MessagePort[] = [];
    for (let i = 0; i < threads - 1; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(new URL('./job-worker.js', import.meta.url), { workerData: { control, index: i, port: port2 }, transferList: [port2] });
      worker.unref();
      workers.push(worker);
      ports.push(port1);
    }
    return new JobPool(workers, ports, control);
  }

  /** The data sets the jobs of the next batches refer to (sent ahead of them: a port keeps order). */
  load(sets: readonly JobData[]): void {
    this.sets = sets;
    for (const port of this.ports) port.postMessage({ sets });
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs every job and returns the fits in job order. The main thread takes jobs too; it
   * yields after each of its own iterations, and while it waits for the workers. Each batch
   * has its own counter, and main waits only for the workers that began the batch before it
   * ran out of jobs: one still starting up (or busy with an older message) finds the counter
   * spent when it gets there, takes nothing, and its empty answer is skipped later.
   */
  *run(jobs: readonly FitJob[], context: string): Generator<Progress & { context: string }, Fit[]> {
    const results = new Array<Fit>(jobs.length);
    const batch = ++this.batch;
    const counter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    for (const port of this.ports) port.postMessage({ batch, jobs, counter });
    let last: Progress = { iteration: 0, loglik: NaN };
    for (let j = Atomics.add(counter, 0, 1); j < jobs.length; j = Atomics.add(counter, 0, 1)) {
      const steps = runJob(jobs[j], this.sets);
      for (;;) {
        const step = steps.next();
        if (step.done) {
          results[j] = step.value;
          break;
        }
        last = step.value;
        yield { ...last, context };
      }
    }
    for (let i = 0; i < this.workers.length; i++) {
      if (Atomics.load(this.control, began(i)) !== batch) continue;
      while (Atomics.load(this.control, finished(i)) !== batch) {
        // Waiting in slices, so that the CLI still shows progress and hears Ctrl-C.
        Atomics.wait(this.control, finished(i), Atomics.load(this.control, finished(i)), 20);
        yield { ...last, context };
      }
      for (;;) {
        const message = receiveMessageOnPort(this.ports[i])?.message as { batch: number; results: [number, Fit][]; error?: string } | undefined;
        if (message === undefined) throw new Error('internal error: a search worker sent no results');
        if (message.error !== undefined) throw new Error(`internal error in a search worker: ${message.error}`);
        if (message.batch !== batch) continue;
        for (const [j, fit] of message.results) results[j] = fit;
        break;
      }
    }
    return results;
  }

  async close(): Promise<void> {
    for (const port of this.ports) port.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Runs a batch without a pool (one thread): the same jobs, in order. */
export function* runSerially(jobs: readonly FitJob[], sets: readonly JobData[], context: string): Generator<Progress & { context: string }, Fit[]> {
  const results: Fit[] = [];
  for (const job of jobs) {
    const steps = runJob(job, sets);
    for (;;) {
      const step = steps.next();
      if (step.done) {
        results.push(step.value);
        break;
      }
      // Each iteration's progress is a new object: given its context in place (no copy per iteration).
      const progress = step.value as Progress & { context: string };
      progress.context = context;
      yield progress;
    }
  }
  return results;
}
