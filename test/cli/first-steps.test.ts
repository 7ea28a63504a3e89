/**
 * A new user's first commands: em-fit alone, help, standard input without `-`, the hints
 * of a misspelt option or command, options that contradict each other or do nothing, --color,
 * the completion scripts and the manual page.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, emFit, fixture, ROOT } from '../helpers/cli.js';
import { colourLevel } from '../../src/cli/io.js';
import { optionSpecs } from '../../src/cli/completion.js';
import { predictProgram, program } from '../../src/cli/options.js';

const faithful = fixture('faithful.csv');
const seed = fixture('seed.csv');
const dir = mkdtempSync(join(tmpdir(), 'em-fit-first-'));
const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** Runs the CLI on a terminal (util-linux `script`), with `columns` columns. */
function onTerminal(args: string[], columns = 80, env: Record<string, string> = {}): string {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = spawnSync('script', ['-qec', `stty cols ${columns}; ${quoted}`, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm', ...env },
    encoding: 'utf8',
    input: '',
  });
  return result.stdout.replace(/\r\n/g, '\n');
}

describe('em-fit alone and help', () => {
  it('em-fit alone prints the usage on stderr and exits 2', () => {
    const result = emFit([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: em-fit <file\.\.\.\|-> --var <column> \[options\]\n/);
    expect(result.stderr).toContain('em-fit predict <model.json> <file|-> [options]');
    expect(result.stderr).toContain('em-fit --help lists the options');
  });

  it('em-fit help and em-fit --help print the same help on stdout, --var marked required', () => {
    const help = emFit(['help']);
    const dashes = emFit(['--help']);
    expect(help.code).toBe(0);
    expect(dashes.code).toBe(0);
    expect(help.stdout).toBe(dashes.stdout);
    expect(help.stdout).toMatch(/^Usage: em-fit <file\.\.\.\|-> --var <column> \[options\]/);
    expect(help.stdout).toMatch(/--var <column> +numeric column to fit[^]*\(required\)/);
    expect(help.stdout).toMatch(/1 a bug\s+in em-fit/);
  });

  it('the help is wrapped to 80 columns off a terminal, defaults in one style', () => {
    const help = emFit(['--help']).stdout;
    for (const line of help.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(help).not.toMatch(/default: "[\w.:-]+"\)/);
    expect(help).toMatch(/--n-init <r> +starts of --init-method per candidate in a model\s+search \(default: 10\)/);
  });

  it('em-fit help predict and em-fit predict --help print the help of predict', () => {
    const help = emFit(['help', 'predict']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: em-fit predict <model.json> <file\|-> \[options\]/);
    expect(emFit(['predict', '--help']).stdout).toBe(help.stdout.replace(/\n\nExamples:[^]*$/, '\n').replace(/\n+$/, '\n') + help.stdout.slice(help.stdout.indexOf('\nExamples:')));
  });

  it('the help of predict mentions no option predict lacks', () => {
    expect(emFit(['help', 'predict']).stdout).not.toContain('--by');
  });

  it('em-fit predict alone prints its usage on stderr and exits 2', () => {
    const result = emFit(['predict']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: em-fit predict/);
  });
});

describe('standard input without -', () => {
  it('read for want of a file argument and empty: the message says why it was read', () => {
    const result = emFit(['--var', 'x'], { input: '' });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('em-fit: standard input: the file is empty: no file argument was given, so em-fit read standard input; give a CSV file, or pipe the data in\n');
    expect(emFit(['-', '--var', 'x'], { input: '' }).stderr).toBe('em-fit: standard input: the file is empty\n');
  });

  it('is read when no file is given and it is not a terminal', () => {
    const piped = emFit(['--var', 'Var', '--init', 'partition1', '--json'], { input: '' + spawnSync('cat', [seed]).stdout });
    const named = emFit([seed, '--var', 'Var', '--init', 'partition1', '--json']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).components).toEqual(JSON.parse(named.stdout).components);
    expect(JSON.parse(piped.stdout).file).toBe('-');
  });

  it.skipIf(!has('script'))('is not waited for on a terminal: a usage error instead', () => {
    const out = onTerminal(['--var', 'Var']);
    expect(out).toContain('em-fit: no input: give a CSV file, - for standard input, or pipe the data in');
  });
});

describe('hints', () => {
  it.each([
    ['a misspelt option', [seed, '--var', 'Var', '--inti', 'partition1'], 2, "em-fit: unknown option '--inti'; did you mean --init? (em-fit --help lists the options)\n"],
    ['a misspelt command', ['halp'], 2, 'did you mean em-fit help?\n'],
    ['a misspelt command with options', ['predcit', 'model.json', seed], 2, 'did you mean em-fit predict?'],
    ['a misspelt column', [faithful, '--var', 'Waiting'], 3, 'no column named "Waiting" (--var); did you mean "waiting"?\n'],
    ['a misspelt column, two letters swapped', [faithful, '--var', 'waitnig'], 3, 'did you mean "waiting"?\n'],
    ['a misspelt help topic', ['help', 'prdict'], 2, 'no command "prdict"; the commands are predict, help, completion, man; did you mean predict?\n'],
  ])('%s: one line', (_, args, code, fragment) => {
    const result = emFit(args as string[]);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).toContain(fragment);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a file that does not exist, named like a command', () => {
    const result = emFit(['prediction', '--var', 'x']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('em-fit: prediction: no such file; did you mean em-fit predict?\n');
  });
});

describe('contradictory and ignored options', () => {
  const warning = (args: string[]): string => {
    const result = emFit(args);
    expect(result.code, result.stderr).toBe(0);
    return result.stderr;
  };

  it.each([
    ['--n-init with --init', ['--init', 'partition1', '--n-init', '5', '--json'], '--n-init applies to a model search only; with --init the fit starts from the partition, so it is ignored'],
    ['--seed with --init', ['--init', 'partition1', '--seed', '3', '--json'], '--seed applies to a model search only'],
    ['--init-method with --init', ['--init', 'partition1', '--init-method', 'random', '--json'], '--init-method applies to a model search only'],
    ['--criterion with --init and one variance model', ['--init', 'partition1', '--criterion', 'aic', '--json'], '--criterion ranks candidate models, but with --init and one variance model there is one fit; ignored'],
    ['--rows with JSON', ['--init', 'partition1', '--rows', '5', '--json'], '--rows applies to text output only; ignored with JSON output'],
    ['--no-plot with CSV', ['--init', 'partition1', '--no-plot', '--format', 'csv'], '--no-plot hides the histogram of text output; ignored with CSV output'],
    ['--rows with --no-responsibilities', ['--init', 'partition1', '--rows', '5', '--no-responsibilities'], '--rows sizes the responsibility table, which --no-responsibilities leaves out; ignored'],
    ['--se with CSV', ['--init', 'partition1', '--se', '--format', 'csv'], '--se: standard errors are not part of CSV output'],
  ])('%s: a warning', (_, args, text) => {
    expect(warning([seed, '--var', 'Var', ...args])).toContain(`em-fit: warning: ${text}`);
  });

  it('warnings about options are silenced by -q, like the others', () => {
    expect(warning([seed, '--var', 'Var', '--init', 'partition1', '--n-init', '5', '--json', '-q'])).toBe('');
  });

  it('options that apply give no warning: --criterion with --variance both, --seed in a search', () => {
    expect(warning([seed, '--var', 'Var', '--init', 'partition1', '--variance', 'both', '--criterion', 'aic', '--json'])).toBe('');
    expect(warning([seed, '--var', 'Var', '--k', '1:2', '--seed', '3', '--n-init', '2', '--json'])).toBe('');
  });

  it.each([
    ['--var', ['--var', 'Var', '--var', 'partition1', '--k', '1'], '--var was given twice, as "Var" and as "partition1"; give it once'],
    ['--format', ['--var', 'Var', '--k', '1', '--format', 'json', '--format', 'csv'], '--format was given twice, as "json" and as "csv"; give it once'],
    ['--k', ['--var', 'Var', '--k', '1', '--k', '2'], '--k was given twice, as "1" and as "2"; give it once'],
  ])('%s given twice with two values: a usage error (commander kept the last in silence)', (_, args, text) => {
    const result = emFit([seed, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`em-fit: ${text} (em-fit --help lists the options)\n`);
  });

  it('an option given twice with the same value is one answer', () => {
    expect(warning([seed, '--var', 'Var', '--var', 'Var', '--init', 'partition1', '--json'])).toBe('');
  });

  it('--json with --format json is the same request, not a contradiction', () => {
    expect(warning([seed, '--var', 'Var', '--init', 'partition1', '--json', '--format', 'json'])).toBe('');
  });

  it('--plot FILE and --no-plot together: the file is written and the histogram hidden', () => {
    const path = join(dir, 'both.svg');
    const result = emFit([seed, '--var', 'Var', '--init', 'partition1', '--plot', path, '--no-plot', '--rows', '0']);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect(result.stdout).not.toContain('Histogram');
  });
});

describe('--color', () => {
  const tty = { isTTY: true, getColorDepth: () => 8 };
  const pipe = { isTTY: false };

  it.each([
    ['auto on a terminal', tty, 'auto', {}, 2],
    ['auto off a terminal', pipe, 'auto', {}, 0],
    ['auto with NO_COLOR', tty, 'auto', { NO_COLOR: '1' }, 0],
    ['auto with NO_COLOR empty', tty, 'auto', { NO_COLOR: '' }, 2],
    ['auto with TERM=dumb', tty, 'auto', { TERM: 'dumb' }, 0],
    ['auto with FORCE_COLOR off a terminal', pipe, 'auto', { FORCE_COLOR: '1' }, 1],
    ['auto with FORCE_COLOR=3 and NO_COLOR', pipe, 'auto', { FORCE_COLOR: '3', NO_COLOR: '1' }, 3],
    ['auto with FORCE_COLOR=0 on a terminal', tty, 'auto', { FORCE_COLOR: '0' }, 0],
    ['always off a terminal', pipe, 'always', { NO_COLOR: '1' }, 1],
    ['always with FORCE_COLOR=0', tty, 'always', { FORCE_COLOR: '0' }, 2],
    ['never on a terminal with FORCE_COLOR', tty, 'never', { FORCE_COLOR: '3' }, 0],
  ] as const)('%s', (_, stream, mode, env, level) => {
    expect(colourLevel(stream, mode, env)).toBe(level);
  });

  const ESC = '\x1b[';
  it('--color always colours text output and warnings in a pipe, never and auto do not', () => {
    const args = [seed, '--var', 'Var', '--init', 'partition1', '--rows', '2', '--n-init', '2'];
    const always = emFit([...args, '--color', 'always']);
    expect(always.stdout).toContain(ESC);
    expect(always.stderr).toContain(ESC);
    expect(emFit([...args, '--color', 'never']).stdout).not.toContain(ESC);
    expect(emFit(args).stdout).not.toContain(ESC);
    expect(emFit(args, { env: { FORCE_COLOR: '1' } }).stdout).toContain(ESC);
  });

  it.skipIf(!has('script'))('on a terminal: colour, none with NO_COLOR or TERM=dumb', () => {
    const args = [seed, '--var', 'Var', '--init', 'partition1', '--rows', '2'];
    expect(onTerminal(args)).toContain(ESC);
    expect(onTerminal(args, 80, { NO_COLOR: '1' })).not.toContain(ESC);
    expect(onTerminal(args, 80, { TERM: 'dumb' })).not.toContain(ESC);
    expect(onTerminal([...args, '--color', 'never'])).not.toContain(ESC);
  });
});

/** Every option of the fit and predict programs, long and short. */
const everyFlag = (): string[] => [...new Set([...optionSpecs(program('0')), ...optionSpecs(predictProgram())].flatMap((s) => [s.long, ...(s.short ? [s.short] : [])]))];

describe('completion', () => {
  it.each(['bash', 'zsh', 'fish'])('em-fit completion %s lists every option', (shell) => {
    const result = emFit(['completion', shell]);
    expect(result.code).toBe(0);
    const long = everyFlag().filter((f) => f.startsWith('--'));
    for (const flag of long) expect(result.stdout, flag).toContain(shell === 'fish' ? `-l ${flag.slice(2)}` : flag);
  });

  it('em-fit completion without a shell, or with another, is a usage error', () => {
    expect(emFit(['completion']).code).toBe(2);
    const other = emFit(['completion', 'bsh']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('the shells are bash, zsh, fish; did you mean bash?');
  });

  /** What bash completes for the words typed (the last one being completed). */
  function bashComplete(words: string[]): string[] {
    const script = emFit(['completion', 'bash']).stdout;
    const file = join(dir, 'em-fit.bash');
    writeFileSync(file, script);
    const array = words.map((w) => `'${w}'`).join(' ');
    const run = spawnSync('bash', ['-c', `source '${file}'; COMP_WORDS=(em-fit ${array}); COMP_CWORD=${words.length}; cd '${dir}'; _em_fit; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    return run.stdout.split('\n').filter((l) => l !== '');
  }

  it.skipIf(!has('bash'))('bash: commands, options, choices and files', () => {
    writeFileSync(join(dir, 'data.csv'), 'x\n1\n');
    expect(bashComplete(['pre'])).toEqual(['predict']);
    expect(bashComplete(['da'])).toEqual(['data.csv']);
    expect(bashComplete(['data.csv', '--for'])).toEqual(['--format']);
    expect(bashComplete(['data.csv', '--format', ''])).toEqual(['text', 'json', 'csv', 'ndjson', 'params']);
    expect(bashComplete(['data.csv', '--variance', 'e'])).toEqual(['equal']);
    expect(bashComplete(['data.csv', '--family', 'ga'])).toEqual(['gaussian', 'gamma']);
    expect(bashComplete(['data.csv', '--df', 's'])).toEqual(['shared']);
    expect(bashComplete(['data.csv', '--plot', 'da'])).toEqual(['data.csv']);
    expect(bashComplete(['data.csv', '--var', ''])).toEqual([]);
    expect(bashComplete(['predict', 'm.json', '--k'])).toEqual([]);
    expect(bashComplete(['completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(bashComplete(['help', 'p'])).toEqual(['predict']);
  });

  it.skipIf(!has('zsh'))('zsh: the script parses', () => {
    const file = join(dir, '_em-fit');
    writeFileSync(file, emFit(['completion', 'zsh']).stdout);
    const run = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it.skipIf(!has('fish'))('fish: the script loads, and completes options and choices', () => {
    const file = join(dir, 'em-fit.fish');
    writeFileSync(file, emFit(['completion', 'fish']).stdout);
    const complete = (line: string): string[] => {
      const run = spawnSync('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      return run.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]);
    };
    expect(complete('em-fit data.csv --for')).toEqual(['--format']);
    expect(complete('em-fit data.csv --format ').sort()).toEqual(['csv', 'json', 'ndjson', 'params', 'text']);
    expect(complete('em-fit pre')).toContain('predict');
  });
});

describe('the manual page', () => {
  it('em-fit man prints a roff page with every option', () => {
    const result = emFit(['man']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\.\\" /);
    expect(result.stdout).toMatch(/^\.TH EM\\-FIT 1/m);
    for (const flag of everyFlag()) expect(result.stdout, flag).toContain(`\\fB${flag.replace(/-/g, '\\-')}\\fR`);
    // predict's options: those it shares with a fit named once, its own (--var, --plot without --by) described.
    const shared = /It takes (.*) as a fit does, and:/.exec(result.stdout)?.[1] ?? '';
    expect(shared).toContain('\\fB\\-\\-weight\\fR');
    expect(shared).not.toContain('\\fB\\-\\-var\\fR');
    expect(shared).not.toContain('\\fB\\-\\-plot\\fR');
    // The options of the families, from the same definitions.
    expect(result.stdout).toContain('\\fB\\-\\-family\\fR \\fIname\\fR');
    expect(result.stdout).toContain('\\fB\\-\\-df\\fR \\fIdf\\fR');
    for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'ENVIRONMENT', '"EXIT STATUS"', 'EXAMPLES']) {
      expect(result.stdout).toContain(`.SH ${section}\n`);
    }
  });

  it.skipIf(!has('groff'))('renders without warnings, within 80 columns', () => {
    const page = emFit(['man']).stdout;
    const render = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-rLL=78n'], { input: page, encoding: 'utf8' });
    expect(render.stderr).toBe('');
    const plain = render.stdout.replace(/.\x08/g, '');
    expect(plain).toContain('|ℓ(t) − ℓ(t−1)| ≤ rtol·|ℓ(t−1)|');
    for (const line of plain.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
  });

  it('the build installs it as dist/em-fit.1, which package.json names', () => {
    const built = join(ROOT, 'dist', 'em-fit.1');
    expect(existsSync(built)).toBe(true);
    const pkg = JSON.parse(spawnSync('cat', [join(ROOT, 'package.json')], { encoding: 'utf8' }).stdout);
    expect(pkg.man).toEqual(['./dist/em-fit.1']);
  });
});
