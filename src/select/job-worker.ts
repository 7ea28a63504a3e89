/**
 * A worker of JobPool: for each batch, claims jobs from the shared counter, runs them, posts
 * the fits back on its port and raises its done flag.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { drain } from '../em/em.js';
import type { Fit } from './fit.js';
import { type FitJob, type JobData, runJob } from './job-pool.js';

const { sets, control, index, port } = workerData as { sets: JobData[]; control: Int32Array; index: number; port: MessagePort };
const NEXT = 0;
const DONE = 1;

port.on('message', ({ batch, jobs }: { batch: number; jobs: FitJob[] }) => {
  const results: [number, Fit][] = [];
  let error: string | undefined;
  try {
    for (let j = Atomics.add(control, NEXT, 1); j < jobs.length; j = Atomics.add(control, NEXT, 1)) results.push([j, drain(runJob(jobs[j], sets))]);
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  port.postMessage({ batch, results, error });
  Atomics.store(control, DONE + index, batch);
  Atomics.notify(control, DONE + index);
});
