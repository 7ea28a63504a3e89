/**
 * `em-fit man`: the manual page, in roff (man(7) macros), generated from the same commander
 * definitions as --help and the completion scripts, so that every option is in it. The build
 * writes it to dist/em-fit.1, which npm installs with the package (package.json "man").
 */
import type { Command } from 'commander';
import { type OptionSpec, optionSpecs } from './completion.js';

/**
 * Text as roff shows it: backslashes escaped, hyphens as minus signs (so that options can be
 * searched for and copied), characters beyond ASCII as groff's \[uXXXX] (ℓ, ≤, ², which troff
 * reads as Latin-1 bytes without preconv), and a line that would start with a control
 * character (. or ') protected by a zero-width \&.
 */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x00-\x7f]/gu, (ch) => `\\[u${(ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}]`)
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

/** One option as a tagged paragraph: the flags in bold, the value in italics, then the help. */
function optionEntry(spec: OptionSpec, help: Command): string {
  const names = [spec.short, spec.long].filter((n) => n !== null).map((n) => `\\fB${roff(n as string)}\\fR`);
  const value = spec.value === null ? '' : ` \\fI${roff(spec.value)}\\fR`;
  return `.TP\n${names.join(', ')}${value}\n${roff(help.createHelp().optionDescription(spec.option))}`;
}

/** A section of literal lines (examples, usage), left as written. */
const literal = (text: string): string => `.nf\n${roff(text.trim())}\n.fi`;

export interface ManText {
  usage: string;
  description: string;
  examples: string;
  exitCodes: string;
  commands: readonly string[];
}

/**
 * The manual page of em-fit. `fit` and `predict` are the two programs of options.ts; the
 * texts are those of the help. The options predict shares with a fit are listed once.
 */
export function manPage(fit: Command, predict: Command, version: string, text: ManText): string {
  const fitSpecs = optionSpecs(fit);
  const shared = new Map(fitSpecs.map((s) => [s.long, fit.createHelp().optionDescription(s.option)]));
  const predictSpecs = optionSpecs(predict);
  const predictOwn = predictSpecs.filter((s) => shared.get(s.long) !== predict.createHelp().optionDescription(s.option));
  const predictShared = predictSpecs
    .filter((s) => !predictOwn.includes(s) && s.long !== '--help')
    .map((s) => `\\fB${roff(s.long)}\\fR`);
  return `.\\" The manual page of em-fit, written by \`em-fit man\` from its option definitions.
.TH EM\\-FIT 1 "" "em\\-fit ${roff(version)}" "User Commands"
.SH NAME
em\\-fit \\- fit a finite mixture by EM to a column of a CSV file
.SH SYNOPSIS
${literal(text.usage)}
.SH DESCRIPTION
${roff(text.description)}
.PP
Data go to standard output, warnings and progress to standard error. Without a file
argument, em\\-fit reads standard input when it is not a terminal; \\fB\\-\\fR names it too.
Files whose names end in .tsv or .tab are read with tabs between fields unless
\\fB\\-d\\fR is given.
.SH OPTIONS
${fitSpecs.map((s) => optionEntry(s, fit)).join('\n')}
.SH COMMANDS
.TP
\\fBem\\-fit predict\\fR \\fImodel.json\\fR [\\fIfile\\fR]
${roff(predict.description())}
It takes ${predictShared.join(', ')} as a fit does, and:
.RS
${predictOwn.map((s) => optionEntry(s, predict)).join('\n')}
.RE
.TP
\\fBem\\-fit help\\fR [\\fIcommand\\fR]
The help of em\\-fit, or of one of the commands ${text.commands.map((c) => `\\fB${roff(c)}\\fR`).join(', ')}.
.TP
\\fBem\\-fit completion\\fR \\fBbash\\fR|\\fBzsh\\fR|\\fBfish\\fR
A completion script for the shell: options, their choices, file names.
Load it with \\fBeval "$(em\\-fit completion bash)"\\fR in ~/.bashrc (zsh: the same, then
\\fBcompdef _em\\-fit em\\-fit\\fR), or \\fBem\\-fit completion fish | source\\fR.
.TP
\\fBem\\-fit man\\fR
This page, in roff: \\fBem\\-fit man | man \\-l \\-\\fR.
.SH ENVIRONMENT
.TP
.B NO_COLOR
When set and not empty, no colour (\\fB\\-\\-color auto\\fR).
.TP
.B FORCE_COLOR
When set, colour even off a terminal (\\fB\\-\\-color auto\\fR); 0 or false: no colour; 1, 2, 3: 16, 256 or 16 million colours.
.TP
.B TERM
\\fBdumb\\fR: no colour (\\fB\\-\\-color auto\\fR).
.TP
.B EM_FIT_DEBUG
When set, an internal error also prints its stack trace.
.TP
.B EM_FIT_WASM
0: every family's passes by its JavaScript kernels instead of WebAssembly, more slowly: the same numbers for the Gaussian, the same to rounding (the last digits) for the other families.
.SH "EXIT STATUS"
${roff(text.exitCodes.replace(/\n/g, ' '))}
.SH EXAMPLES
${literal(text.examples.replace(/^\s*Examples:\s*/, ''))}
.SH "SEE ALSO"
The README of em\\-fit: the statistics, the output formats and their keys.
`;
}
