/**
 * A worker of PassPool: receives a job per fit, then evaluates its chunks of every pass,
 * blocking in Atomics.wait in between, until the job is released.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { makeFamily } from '../models/registry.js';
import { chunkCount, chunkSlots, passChunks } from './chunks.js';
import { COMMAND, DONE, FAILED, GENERATION, type Job, NEXT, RUN } from './pool.js';

const { x, w, d, control, index } = workerData as { x: Float64Array; w: Float64Array | null; d: number; control: Int32Array; index: number };
let data = { x, w, d };
let dataSet = 0;

function serve(job: Job): void {
  // Another data set in the same arrays (--by's next group): new views, as Data asks.
  if (job.dataSet !== dataSet) {
    dataSet = job.dataSet;
    data = { x: x.subarray(0), w: w === null ? null : w.subarray(0), d };
  }
  // A job this thread cannot take on still answers every pass (with FAILED) until it is
  // released: an exception thrown out of this handler would end the thread, and the main
  // thread, waiting for its done flag, would wait for ever.
  let pass: (() => void) | null = null;
  try {
    const family = makeFamily(job.spec);
    const theta = family.create();
    // Made once per job, not per pass.
    const slots = chunkSlots(job.perChunk, chunkCount(job.end - job.start), family.statsLength);
    const claim = (): number => Atomics.add(control, NEXT, 1);
    pass = () => {
      family.fromVector(job.params, theta);
      passChunks(family, data, theta, slots, job.start, job.end, claim);
    };
  } catch {
    // pass stays null: every pass of the job fails.
  }
  let seen = job.generation;
  for (;;) {
    Atomics.wait(control, GENERATION, seen);
    const generation = Atomics.load(control, GENERATION);
    if (generation === seen) continue;
    seen = generation;
    const command = Atomics.load(control, COMMAND);
    if (command === RUN) {
      try {
        if (pass !== null) pass();
        else Atomics.store(control, FAILED, 1);
      } catch {
        Atomics.store(control, FAILED, 1);
      }
    }
    Atomics.store(control, DONE + index, generation);
    Atomics.notify(control, DONE + index);
    if (command !== RUN) return;
  }
}

parentPort?.on('message', serve);
