/**
 * The program: read, fit, report. The only module that touches process state (argv,
 * stdio, signals, the exit code); every error is caught here once and printed as one line
 * `em-fit: <message>` on stderr, with nothing on stdout.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { PassPool } from '../em/pool.js';
import { EXIT, EmFitError, inputError, usageError } from '../errors.js';
import { dataRecords, type LabelColumn, readTable, type ReadOptions, type Table } from '../io/csv.js';
import { sortLabels } from '../io/labels.js';
import { Sink } from '../io/sink.js';
import type { Data } from '../models/family.js';
import { maxAbs, type VarianceFloor, varianceFloor } from '../models/floor.js';
import type { ReportContext } from '../report/context.js';
import { writeCsv } from '../report/csv.js';
import { writeJson } from '../report/json.js';
import { writeText } from '../report/text.js';
import { checkFittable, fitFrom, partitionStart, type Fit } from '../select/fit.js';
import { bestBy, searchModels, type Selection } from '../select/search.js';
import { plural, quote } from '../text.js';
import { DEFAULT_K, type FitRequest, parseArgs } from './options.js';
import { drive } from './progress.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Colour for a stream: only on a terminal, never with NO_COLOR set. */
function colours(stream: NodeJS.WriteStream): ChalkInstance {
  const wanted = stream.isTTY === true && !process.env.NO_COLOR;
  return new Chalk({ level: wanted ? Math.max(1, new Chalk().level) as 1 | 2 | 3 : 0 });
}

/** The input as a stream; `-` is standard input, spooled when it must be read twice. */
function openInput(file: string, twice: boolean): { stream: () => Readable; source: string } {
  if (file === '-') {
    if (!twice) return { stream: () => process.stdin, source: 'standard input' };
    const bytes = readStdin();
    return { stream: () => Readable.from([bytes]), source: 'standard input' };
  }
  try {
    if (statSync(file).isDirectory()) throw inputError(`${file} is a directory, not a file`);
  } catch (error) {
    if (error instanceof EmFitError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw inputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`);
  }
  return { stream: () => createReadStream(file, { highWaterMark: 1 << 20 }), source: file };
}

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch (error) {
    throw inputError(`standard input: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function readWarnings(table: Table): string[] {
  return table.labelsOnlyInSkipped.map(
    (label) => `label ${quote(label)} occurs only on rows skipped for missing values, so it has no component`,
  );
}

/** Rows from which `--threads auto` uses every core: below, starting workers costs more than it saves. */
const THREADS_FROM_ROWS = 200_000;

function threadCount(request: FitRequest, rows: number): number {
  if (request.threads !== null) return request.threads;
  return rows >= THREADS_FROM_ROWS ? availableParallelism() : 1;
}

/** The fit to report and, when candidates were compared, the comparison. */
interface Outcome {
  fit: Fit;
  selection: Selection | null;
}

/** Fits from the partition column, once per variance model asked for. */
async function fromPartition(request: FitRequest, labels: LabelColumn, data: Data, floor: VarianceFloor, pool: PassPool | undefined): Promise<Outcome> {
  const names = sortLabels(labels.names, labels.codes);
  if (request.k !== null && request.k[0] !== names.length) {
    throw usageError(`--k ${request.k[0]} contradicts --init ${request.init}, whose column has ${plural(names.length, 'label')}`);
  }
  checkFittable(data, names.length);
  const accel = request.accel === 'auto' ? 'none' : request.accel;
  const fits: Fit[] = [];
  for (const variance of request.variances ?? ['unequal']) {
    const start = partitionStart(data, labels.codes, names, variance, floor.floor);
    fits.push(await drive(fitFrom(data, start.theta, names, { maxIter: request.maxIter, rtol: request.rtol, accel, variance, floor }, start.floored, pool)));
  }
  if (fits.length === 1) return { fit: fits[0], selection: null };
  const best = bestBy(fits, request.criterion);
  return { fit: best, selection: { best, criterion: request.criterion, candidates: fits, skipped: [] } };
}

/** Searches the candidate models. */
async function search(request: FitRequest, data: Data, floor: VarianceFloor, pool: PassPool | undefined): Promise<Outcome> {
  const selection = await drive(
    searchModels(
      data,
      {
        ks: request.k ?? DEFAULT_K,
        variances: request.variances ?? ['equal', 'unequal'],
        criterion: request.criterion,
        initMethod: request.initMethod,
        nInit: request.nInit,
        seed: request.seed,
        maxIter: request.maxIter,
        rtol: request.rtol,
        accel: request.accel === 'auto' ? 'squarem' : request.accel,
        floor,
      },
      pool,
    ),
  );
  return { fit: selection.best, selection };
}

async function fit(request: FitRequest, table: Table): Promise<Outcome> {
  const data = { x: table.values, w: table.weights };
  const floor = varianceFloor(table.decimals, maxAbs(table.values), request.minVariance);
  const threads = threadCount(request, data.x.length);
  const pool = threads > 1 ? PassPool.create(data, threads) : undefined;
  try {
    return table.labels === null ? await search(request, data, floor, pool) : await fromPartition(request, table.labels, data, floor, pool);
  } finally {
    await pool?.close();
  }
}

async function report(request: FitRequest, ctx: ReportContext, table: Table, input: ReturnType<typeof openInput>, readOptions: ReadOptions) {
  const sink = new Sink(process.stdout);
  if (request.format === 'json') return writeJson(ctx, sink);
  if (request.format === 'csv') return writeCsv(ctx, table.header, dataRecords(input.stream(), readOptions), sink);
  return writeText(ctx, colours(process.stdout), request.rows, sink);
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, VERSION);
  if (parsed.kind === 'done') return EXIT.ok;
  const { request } = parsed;
  const input = openInput(request.file, request.format === 'csv');
  const readOptions: ReadOptions = {
    source: input.source,
    header: request.header,
    delimiter: request.delimiter,
    missing: request.missing,
    columns: { var: request.var, init: request.init },
  };
  const clock = [performance.now()];
  const table = await readTable(input.stream(), readOptions);
  clock.push(performance.now());
  const outcome = await fit(request, table);
  const result = outcome.fit;
  clock.push(performance.now());
  const warnings = [...readWarnings(table), ...(outcome.selection?.skipped ?? []), ...result.warnings];
  if (!request.quiet) {
    const c = colours(process.stderr);
    for (const w of warnings) process.stderr.write(`${c.yellow('em-fit: warning:')} ${w}\n`);
  }
  const ctx: ReportContext = {
    fit: result,
    file: request.file,
    varName: table.varName,
    initName: table.labels?.name ?? null,
    x: table.values,
    skippedRecords: table.skippedRecords,
    warnings,
    responsibilities: request.responsibilities,
    settings: { rtol: request.rtol, maxIter: request.maxIter },
    selection: outcome.selection,
    search: table.labels === null ? { initMethod: request.initMethod, nInit: request.nInit, seed: request.seed } : null,
  };
  await report(request, ctx, table, input, readOptions);
  clock.push(performance.now());
  if (request.timings) process.stderr.write(`em-fit: ${timings(clock, outcome)}\n`);
  if (request.strict && !result.converged) {
    process.stderr.write(`em-fit: not converged after ${plural(result.iterations, 'iteration')} (--strict)\n`);
    return EXIT.fit;
  }
  return EXIT.ok;
}

/** One line of timings from the clock readings before and after reading, fitting and writing. */
function timings(clock: number[], outcome: Outcome): string {
  const [read, fitted, written] = [1, 2, 3].map((i) => (clock[i] - clock[i - 1]) / 1000);
  const { fit: result, selection } = outcome;
  const work = selection
    ? `${plural(selection.candidates.length, 'candidate')} compared`
    : `${plural(result.iterations, 'iteration')}, ${plural(result.passes, 'pass')} over ${result.n} rows, ${((fitted * 1000) / result.passes).toFixed(2)} ms per pass`;
  const rss = process.resourceUsage().maxRSS / 1024;
  return `timings: read ${read.toFixed(3)} s, fit ${fitted.toFixed(3)} s (${work}), write ${written.toFixed(3)} s, peak RSS ${rss.toFixed(0)} MB`;
}

const isEpipe = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';

/** Runs the program on process.argv and sets the exit code; the launcher's only call. */
export function run(argv: string[] = process.argv): void {
  // A reader that goes away (`em-fit … | head`) ends the run quietly.
  process.stdout.on('error', (error) => {
    if (isEpipe(error)) process.exit(EXIT.ok);
  });
  process.on('SIGINT', () => process.exit(EXIT.interrupted));
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (isEpipe(error)) {
        process.exitCode = EXIT.ok;
        return;
      }
      if (error instanceof EmFitError) {
        process.stderr.write(`em-fit: ${error.message}\n`);
        process.exitCode = error.exitCode;
        return;
      }
      const detail = error instanceof Error ? error.message : String(error);
      process.stderr.write(`em-fit: internal error (please report it): ${detail}\n`);
      if (process.env.EM_FIT_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exitCode = EXIT.bug;
    },
  );
}
