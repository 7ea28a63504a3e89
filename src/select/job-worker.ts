/**
 * A worker of JobPool: keeps the data sets it is given; for each batch, says it began,
 * claims jobs from the batch's counter, runs them, posts the fits back on its port and says
 * it finished.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { drain } from '../em/em.js';
import type { Fit } from './fit.js';
import { began, type FitJob, finished, type JobData, runJob } from './job-pool.js';

const { control, index, port } = workerData as { control: Int32Array; index: number; port: MessagePort };
let sets: JobData[] = [];

type Message = { sets: JobData[] } | { batch: number; jobs: FitJob[]; counter: Int32Array };

port.on('message', (message: Message) => {
  if ('sets' in message) {
    sets = message.sets;
    return;
  }
  const { batch, jobs, counter } = message;
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
