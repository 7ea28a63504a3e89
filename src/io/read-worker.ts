/** A worker of readFileParallel: reads one stretch of a file and posts the result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { readStretch, type Stretch } from './parallel.js';

parentPort?.postMessage(await readStretch(workerData as Stretch));
