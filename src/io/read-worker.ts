/**
 * A worker of readFileParallel: reads one stretch of a file and posts the result back. A
 * failure is the worker's error event (an unhandled rejection ends a worker with it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readStretch, type Stretch } from './parallel.js';

void readStretch(workerData as Stretch).then((result) => parentPort?.postMessage(result));
