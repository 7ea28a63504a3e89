/**
 * A worker of JobPool: for each batch, says it began, claims jobs from the batch's counter,
 * runs them, posts the fits back on its port and says it finished.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { drain } from '../em/em.js';
import type { Fit } from './fit.js';
import { began, type FitJob, finished, type JobData, runJob } from './job-pool.js';

const { sets, control, index, port } = workerData as { sets: JobData[]; control: Int32Array; index: number; port: MessagePort };

port.on('message', ({ batch, jobs, counter }: { batch: number; jobs: FitJob[]; counter: Int32Array }) => {
  // Said before the first claim, so that main, if it sees the batch not begun, knows no job was taken.
  Atomics.store(control, began(index), batch);
  const results: [number, Fit][] = [];
  let error: string | undefined;
  try {
    for (let j = Atomics.add(counter, 0, 1); j < jobs.length; j = Atomics.add(counter, 0, 1)) results.push([j, drain(runJob(jobs[j], sets))]);
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  port.postMessage({ batch, results, error });
  Atomics.store(control, finished(index), batch);
  Atomics.notify(control, finished(index));
});
