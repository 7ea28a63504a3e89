/**
 * A batch: `em-fit runs/*.csv --var x …`, each file fitted on its own, in one process (a
 * shell loop pays node's start and the loading of the modules for every file: 0.13 s of
 * each run). JSON: one line per file, the document of the file fitted alone (its `file`
 * key names it); text: a section per file; params: one table with a `file` column. Output
 * is in the order of the arguments. A file that cannot be read or fitted gives its error (a
 * JSON line {"file", "error"}, a text section, a line on stderr, in that order too) and the
 * batch goes on; the exit code is then the first such failure's. Usage and output errors
 * stop the batch.
 *
 * Many files are fitted on a pool of worker threads (batch-worker.ts), one file at a time
 * each, on one thread each (a file's result does not depend on its threads); each worker
 * sends back its file's output and messages, which are written here in argument order.
 * Text for a terminal is fitted here, in colour and at the terminal's width.
 */
import { Worker } from 'node:worker_threads';
import { EmFitError, EXIT, type ExitCode } from '../errors.js';
import { Sink } from '../io/sink.js';
import { type ParamsFit, paramsCsv } from '../report/csv.js';
import { FIT_FORMAT } from '../report/json.js';
import { errorText } from '../report/notes.js';
import { shown } from '../text.js';
import { type Batch, cores, runFile, threadsAsked } from './fit.js';
import { aboutFile, colours, say } from './io.js';
import type { FitRequest } from './options.js';

/** Files from which a batch is fitted on worker threads: below, starting them costs more than it saves. */
const POOL_FROM_FILES = 8;

/** A file's outcome, as a worker sends it back. */
export interface FileResult {
  index: number;
  /** Its report (standard output's bytes). */
  out: Uint8Array;
  /** Its messages (standard error's text). */
  messages: string;
  /** Its exit code when it was fitted. */
  code: ExitCode | null;
  /** Why it was not: the message and exit code of its EmFitError, or an internal error (code null). */
  error: { text: string; exitCode: ExitCode | null } | null;
  params: ParamsFit[];
}

/** A file's outcome as batch-worker.ts and the main thread compute it: run, output and messages captured. */
export async function fitFile(request: FitRequest, version: string, index: number, batch: Batch): Promise<Omit<FileResult, 'out' | 'messages'>> {
  const file = request.files[index];
  try {
    const code = await runFile({ ...request, file }, version, batch);
    return { index, code, error: null, params: batch.params };
  } catch (error) {
    if (error instanceof EmFitError) return { index, code: null, error: { text: errorText(error), exitCode: error.exitCode }, params: [] };
    throw error;
  }
}

/** The parts of a parameter table's fit that travel between threads (a Fit holds more). */
export const leanParams = (p: ParamsFit): ParamsFit => ({ fit: { spec: p.fit.spec, theta: p.fit.theta, labels: p.fit.labels }, standardErrors: p.standardErrors, group: p.group, file: p.file });

export async function runBatch(request: FitRequest, version: string): Promise<ExitCode> {
  const sink = new Sink(process.stdout);
  const c = colours(process.stdout);
  const params: ParamsFit[] = [];
  const threads = Math.min(threadsAsked(request) ?? cores(), request.files.length);
  const onTerminal = request.format === 'text' && process.stdout.isTTY === true;
  const results = threads > 1 && request.files.length >= POOL_FROM_FILES && !onTerminal ? onPool(request, version, threads) : null;
  let failure: ExitCode | null = null;
  let strict: ExitCode = EXIT.ok;
  for (const [index, file] of request.files.entries()) {
    if (request.format === 'text') sink.push(`${c.bold.inverse(` file ${shown(file)} `)}\n`);
    await sink.flush();
    let result: Omit<FileResult, 'out' | 'messages'>;
    if (results === null) result = await fitFile(request, version, index, { params: [], out: process.stdout });
    else {
      const r = await results[index];
      sink.pushBytes(r.out);
      await sink.flush();
      say(r.messages);
      result = r;
    }
    params.push(...result.params);
    if (result.error === null) {
      if (result.code !== EXIT.ok) strict = result.code as ExitCode;
      if (request.format === 'text') sink.push('\n');
    } else {
      const { text, exitCode } = result.error;
      if (exitCode === null) throw new Error(text);
      if (exitCode === EXIT.usage || exitCode === EXIT.output) throw new EmFitError(text, exitCode);
      failure ??= exitCode;
      say(`em-fit: ${shown(aboutFile(text, file))}\n`);
      if (request.format === 'json') sink.push(`${JSON.stringify({ format: FIT_FORMAT, file, error: text })}\n`);
      else if (request.format === 'text') sink.push(`${c.red(`not fitted: ${shown(text)}`)}\n\n`);
    }
    await sink.flush();
  }
  if (request.format === 'params') {
    sink.push(paramsCsv(params, false, true));
    await sink.flush();
  }
  return failure ?? strict;
}

/**
 * The files' outcomes from `threads` workers, each taking the next file when it is done
 * with one: a promise per file, in argument order. The workers end when the files do, or
 * at the first internal error (every pending promise then fails with it).
 */
function onPool(request: FitRequest, version: string, threads: number): Promise<FileResult>[] {
  const n = request.files.length;
  const settle: { resolve: (r: FileResult) => void; reject: (e: unknown) => void }[] = [];
  const results = request.files.map(() => new Promise<FileResult>((resolve, reject) => settle.push({ resolve, reject })));
  // Unobserved rejections of files never awaited (the batch stopped before them) are not errors.
  for (const r of results) r.catch(() => {});
  let next = 0;
  const workers: Worker[] = [];
  const fail = (error: unknown): void => {
    for (const s of settle) s.reject(error);
    for (const w of workers) void w.terminate();
  };
  for (let t = 0; t < threads; t++) {
    const worker = new Worker(new URL('./batch-worker.js', import.meta.url), { workerData: { request: { ...request, threads: 1 }, version } });
    workers.push(worker);
    const give = (): void => {
      if (next < n) worker.postMessage(next++);
      else void worker.terminate();
    };
    worker.on('message', (r: FileResult) => {
      settle[r.index].resolve(r);
      give();
    });
    worker.on('error', fail);
    give();
  }
  return results;
}
