/**
 * `em-fit completion bash|zsh|fish`: a shell completion script, and `em-fit man`'s option
 * lists, generated from commander's option definitions, so that an option added to
 * options.ts is completed and documented without another edit.
 *
 * Completed: the commands (predict, help, completion, man), every option of the command
 * being typed, the values of options with choices (--format text|json|csv) and the names
 * an open value takes (--family gaussian|…|auto, --df each|shared), file names for
 * the file arguments and for options whose value is a <file>. A column name is not
 * completed (the shell would have to read the file's header).
 */
import type { Command, Option } from 'commander';
import { valuesToComplete } from './options.js';

/** An option as the completion scripts and the manual page need it. */
export interface OptionSpec {
  long: string;
  short: string | null;
  /** The value's name in the flags (`column` for `--var <column>`), or null for a flag. */
  value: string | null;
  /** The values offered: the choices, or the names an open value takes (--family). */
  choices: readonly string[] | null;
  /** The value is a file name. */
  file: boolean;
  description: string;
  option: Option;
}

/** Every option of a command that its help lists, --help and --version included. */
export function optionSpecs(cmd: Command): OptionSpec[] {
  return cmd
    .createHelp()
    .visibleOptions(cmd)
    .map((option) => {
      const value = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1] ?? null;
      return {
        long: option.long ?? '',
        short: option.short ?? null,
        value,
        choices: valuesToComplete(option),
        file: value === 'file',
        description: option.description,
        option,
      };
    });
}

/** A word list for a shell: the words separated by spaces (no word here holds a space or a quote). */
const words = (list: readonly string[]): string => list.join(' ');

const allFlags = (specs: OptionSpec[]): string[] => specs.flatMap((s) => (s.short === null ? [s.long] : [s.short, s.long]));

const flagsOf = (s: OptionSpec): string[] => (s.short === null ? [s.long] : [s.short, s.long]);

function bash(fit: OptionSpec[], predict: OptionSpec[], commands: readonly string[], shells: readonly string[]): string {
  const valueCases = (name: string, specs: OptionSpec[]): string =>
    specs
      .filter((s) => s.value !== null)
      .map((s) => {
        const pattern = flagsOf(s).map((f) => `${name}:${f}`).join('|');
        if (s.choices) return `    ${pattern}) COMPREPLY=($(compgen -W "${words(s.choices)}" -- "$cur")); return ;;`;
        if (s.file) return `    ${pattern}) _em_fit_files; return ;;`;
        return `    ${pattern}) return ;;`;
      })
      .join('\n');
  return `# bash completion for em-fit, written by \`em-fit completion bash\`.
# Load it in ~/.bashrc with: eval "$(em-fit completion bash)"
_em_fit_files() {
  local IFS=$'\\n'
  COMPREPLY=($(compgen -f -- "$cur"))
  compopt -o filenames 2>/dev/null
}
_em_fit() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" command=fit
  COMPREPLY=()
  if [[ $COMP_CWORD -gt 1 ]]; then
    case "\${COMP_WORDS[1]}" in
      predict|help|completion|man) command="\${COMP_WORDS[1]}" ;;
    esac
  fi
  case "$command" in
    help) [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "${words(commands.filter((c) => c !== 'help'))}" -- "$cur")); return ;;
    completion) [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "${words(shells)}" -- "$cur")); return ;;
    man) return ;;
  esac
  case "$command:$prev" in
${valueCases('fit', fit)}
${valueCases('predict', predict)}
  esac
  if [[ "$cur" == -* ]]; then
    if [[ $command == predict ]]; then
      COMPREPLY=($(compgen -W "${words(allFlags(predict))}" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "${words(allFlags(fit))}" -- "$cur"))
    fi
    return
  fi
  _em_fit_files
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY+=($(compgen -W "${words(commands)}" -- "$cur"))
  fi
}
complete -F _em_fit em-fit
`;
}

/** Text inside single quotes for zsh and fish: a quote is closed, escaped and reopened. */
const singleQuoted = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** The first sentence of a description, for the one-line descriptions zsh and fish show. */
const brief = (description: string): string => description.split(/[;:(]/)[0].trim();

function zsh(fit: OptionSpec[], predict: OptionSpec[], commands: readonly string[], shells: readonly string[]): string {
  const specs = (list: OptionSpec[]): string =>
    list
      .map((s) => {
        const names = s.short === null ? s.long : `{${s.short},${s.long}}`;
        const help = brief(s.description).replace(/[[\]:\\]/g, '\\$&');
        const action = s.value === null ? '' : s.choices ? `:${s.value}:(${words(s.choices)})` : s.file ? `:${s.value}:_files` : `:${s.value}: `;
        return `    ${s.short === null ? '' : `'(${s.short} ${s.long})'`}${names}${singleQuoted(`[${help}]${action}`)}`;
      })
      .join(' \\\n');
  return `#compdef em-fit
# zsh completion for em-fit, written by \`em-fit completion zsh\`.
# Save it as _em-fit in a directory of $fpath, or load it in ~/.zshrc with:
#   eval "$(em-fit completion zsh)"; compdef _em-fit em-fit
_em-fit() {
  if (( CURRENT > 2 )); then
    case $words[2] in
      predict)
        shift words; (( CURRENT-- ))
        _arguments -s \\
${specs(predict)} \\
          '1:model file:_files' '2:CSV file:_files'
        return ;;
      help) (( CURRENT == 3 )) && compadd ${words(commands.filter((c) => c !== 'help'))}; return ;;
      completion) (( CURRENT == 3 )) && compadd ${words(shells)}; return ;;
      man) return ;;
    esac
  fi
  _arguments -s \\
${specs(fit)} \\
    '1:CSV file or command:{_files; compadd ${words(commands)}}'
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _em-fit "$@"
else
  compdef _em-fit em-fit
fi
`;
}

function fish(fit: OptionSpec[], predict: OptionSpec[], commands: readonly string[], shells: readonly string[]): string {
  const lines = (list: OptionSpec[], condition: string): string =>
    list
      .map((s) => {
        const short = s.short === null ? '' : ` -s ${s.short.slice(1)}`;
        const value = s.value === null ? '' : s.choices ? ` -x -a ${singleQuoted(words(s.choices))}` : s.file ? ' -r -F' : ' -x';
        return `complete -c em-fit -n ${singleQuoted(condition)}${short} -l ${s.long.slice(2)}${value} -d ${singleQuoted(brief(s.description))}`;
      })
      .join('\n');
  const noCommand = `not __fish_seen_subcommand_from ${words(commands)}`;
  return `# fish completion for em-fit, written by \`em-fit completion fish\`.
# Save it as ~/.config/fish/completions/em-fit.fish, or load it with:
#   em-fit completion fish | source
complete -c em-fit -f
complete -c em-fit -n ${singleQuoted(noCommand)} -a ${singleQuoted(words(commands))}
complete -c em-fit -n ${singleQuoted(noCommand)} -F
complete -c em-fit -n '__fish_seen_subcommand_from predict' -F
complete -c em-fit -n '__fish_seen_subcommand_from help' -a ${singleQuoted(words(commands.filter((c) => c !== 'help')))}
complete -c em-fit -n '__fish_seen_subcommand_from completion' -a ${singleQuoted(words(shells))}
${lines(fit, noCommand)}
${lines(predict, '__fish_seen_subcommand_from predict')}
`;
}

/** The completion script for `shell`, from the options of the fit and predict programs. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish', fitProgram: Command, predictProgram: Command, commands: readonly string[], shells: readonly string[]): string {
  const fit = optionSpecs(fitProgram);
  const predict = optionSpecs(predictProgram);
  return { bash, zsh, fish }[shell](fit, predict, commands, shells);
}
