/**
 * The program: parse the command line, run the command, turn every failure into one line
 * `em-fit: <message>` on stderr and an exit code (`em-fit` alone is the exception: the usage
 * on stderr, exit 2). The only module that sets the exit code; nothing below src/cli prints
 * or exits.
 */
import { readFileSync } from 'node:fs';
import { EXIT, EmFitError, type ExitCode } from '../errors.js';
import { fileProblem } from '../io/files.js';
import { removeTemporaries } from '../io/output-file.js';
import { errorText } from '../report/notes.js';
import { shown } from '../text.js';
import { runFit } from './fit.js';
import { about, aboutFile, say, useColor, warn } from './io.js';
import { parseArgs } from './options.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function main(argv: string[]): Promise<ExitCode> {
  const parsed = parseArgs(argv, VERSION, process.stdin.isTTY === true);
  if (parsed.kind === 'done') return EXIT.ok;
  if (parsed.kind === 'print') {
    (parsed.to === 'stdout' ? process.stdout : process.stderr).write(parsed.text);
    return parsed.code;
  }
  useColor(parsed.request.color);
  warn(parsed.request, parsed.warnings);
  // Loaded when asked for, as the text report (see textReport).
  const file = parsed.request.file;
  try {
    if (parsed.kind === 'predict') return await (await import('./predict.js')).runPredict(parsed.request);
    return await runFit(parsed.request, VERSION);
  } catch (error) {
    if (parsed.kind === 'fit' && parsed.request.files.length > 1) throw error;
    // Errors about a model file read (predict's, --init-model) name that file.
    const model = parsed.kind === 'predict' ? parsed.request.model : parsed.request.initModel;
    throw naming(error, about(file), model === null || model === undefined ? [] : [model]);
  }
}

/**
 * An input or fit error (exit 3 or 4) that does not say which data it is about begins with
 * the file's name, as a batch's do: "tiny.csv: the values differ by at most 1e-300".
 */
function naming(error: unknown, file: string, others: readonly string[]): unknown {
  if (!(error instanceof EmFitError) || (error.exitCode !== EXIT.input && error.exitCode !== EXIT.fit)) return error;
  const message = aboutFile(error.message, file, others);
  return message === error.message ? error : new EmFitError(message, error.exitCode, error.notes);
}

const isEpipe = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';

/** Ends the run at once with `code`, leaving no temporary file behind. */
function stop(code: ExitCode): never {
  removeTemporaries();
  process.exit(code);
}

/** Runs the program on process.argv and sets the exit code; the launcher's only call. */
export function run(argv: string[] = process.argv): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A reader that goes away (`em-fit … | head`) ends the run quietly.
    if (isEpipe(error)) stop(EXIT.ok);
    // A full disk (`> /dev/full`) or another failure to write: the output is incomplete.
    say(`em-fit: cannot write standard output: ${fileProblem(error.code, error.message)}; the output is incomplete\n`);
    stop(EXIT.output);
  });
  // Warnings that cannot be written (`2> /dev/full`) are lost, but do not change the outcome.
  process.stderr.on('error', () => {});
  process.on('SIGINT', () => stop(EXIT.interrupted));
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (isEpipe(error)) {
        process.exitCode = EXIT.ok;
        return;
      }
      removeTemporaries();
      if (error instanceof EmFitError) {
        say(`em-fit: ${shown(errorText(error))}\n`);
        process.exitCode = error.exitCode;
        return;
      }
      const detail = error instanceof Error ? error.message : String(error);
      say(`em-fit: internal error (please report it): ${shown(detail)}\n`);
      if (process.env.EM_FIT_DEBUG && error instanceof Error) say(`${error.stack}\n`);
      process.exitCode = EXIT.bug;
    },
  );
}
