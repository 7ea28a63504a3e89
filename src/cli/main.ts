/**
 * The program: parse the command line, run the command, turn every failure into one line
 * `em-fit: <message>` on stderr and an exit code. The only module that sets the exit code;
 * nothing below src/cli prints or exits.
 */
import { readFileSync } from 'node:fs';
import { EXIT, EmFitError, type ExitCode } from '../errors.js';
import { runFit } from './fit.js';
import { parseArgs } from './options.js';
import { runPredict } from './predict.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function main(argv: string[]): Promise<ExitCode> {
  const parsed = parseArgs(argv, VERSION);
  if (parsed.kind === 'done') return EXIT.ok;
  if (parsed.kind === 'predict') return runPredict(parsed.request);
  return runFit(parsed.request, VERSION);
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
