/**
 * A worker of a batch (batch.ts): fits the files it is given by index, one at a time, and
 * posts back each one's report and messages, captured here so that the main thread writes
 * them in argument order.
 */
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { fitFile, leanParams } from './batch.js';
import type { FitRequest } from './options.js';

const { request, version } = workerData as { request: FitRequest; version: string };
let messages = '';
process.stderr.write = ((chunk: string | Uint8Array): boolean => {
  messages += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  return true;
}) as typeof process.stderr.write;

parentPort?.on('message', async (index: number) => {
  const parts: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      parts.push(Buffer.from(chunk));
      done();
    },
  });
  const result = await fitFile(request, version, index, { params: [], out });
  const bytes = Buffer.concat(parts);
  parentPort?.postMessage({ ...result, params: result.params.map(leanParams), out: bytes, messages });
  messages = '';
});
