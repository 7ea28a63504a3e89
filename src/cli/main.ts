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
import { say, useColor, warn } from './io.js';
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
  if (parsed.kind === 'predict') return (await import('./predict.js')).runPredict(parsed.request);
  return runFit(parsed.request, VERSION);
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
