import { parseArgs } from 'node:util';
import { usageError } from './errors.js';
import { COMMANDS, type CommandSpec, findCommand, GLOBAL_OPTIONS, type OptionSpec } from './spec.js';

export type OptionValues = Record<string, string | boolean | undefined>;

export interface ParsedCommandLine {
  /** Undefined when no command was given (`lambda-mcp --help`, `lambda-mcp --version`). */
  command: CommandSpec | undefined;
  positionals: string[];
  values: OptionValues;
}

/** Flags that shape error output, read before full parsing so even a usage error honours them. */
export function prescan(argv: string[]): { json: boolean; noColor: boolean; debug: boolean } {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  return {
    json: head.includes('--json'),
    noColor: head.includes('--no-color'),
    debug: head.includes('--debug'),
  };
}

function optionsFor(command: CommandSpec | undefined): OptionSpec[] {
  const own = command?.options ?? [];
  // A command's own option wins over a global one of the same name (`schema --version V`).
  return [...GLOBAL_OPTIONS.filter((g) => !own.some((o) => o.name === g.name)), ...own];
}

/** The first word that is not an option or an option's value. */
function findCommandWord(argv: string[]): { word: string | undefined; index: number } {
  const valued = new Set<string>();
  for (const spec of [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options)]) {
    if (spec.type === 'string' && spec.name !== 'version') valued.add(`--${spec.name}`);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return { word: argv[i + 1], index: i + 1 };
    if (arg.startsWith('-') && arg !== '-') {
      if (valued.has(arg)) i += 1;
      continue;
    }
    return { word: arg, index: i };
  }
  return { word: undefined, index: -1 };
}

export function parseCommandLine(argv: string[]): ParsedCommandLine {
  let { word, index } = findCommandWord(argv);
  let args = argv;
  // `lambda-mcp help invoke` is `lambda-mcp invoke --help`.
  if (word === 'help') {
    const rest = argv.filter((_, i) => i !== index);
    const next = findCommandWord(rest);
    args = [...rest, '--help'];
    word = next.word;
    index = next.index;
  }
  let command: CommandSpec | undefined;
  if (word !== undefined) {
    command = findCommand(word);
    if (!command) {
      const suggestion = closest(
        word,
        COMMANDS.map((c) => c.name),
      );
      throw usageError(
        `unknown command '${word}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}. Accepted: ${COMMANDS.map((c) => c.name).join(', ')}.`,
        'Run `lambda-mcp --help` for usage.',
      );
    }
  }
  const specs = optionsFor(command);
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const spec of specs)
    config[spec.name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}) };

  const { tokens } = parseArgs({
    args,
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: OptionValues = {};
  const positionals: string[] = [];
  const where = command ? ` for '${command.name}'` : '';
  const helpRef = command ? `lambda-mcp ${command.name} --help` : 'lambda-mcp --help';
  let sawCommand = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!sawCommand && command && token.value === command.name) {
        sawCommand = true;
        continue;
      }
      positionals.push(token.value);
      continue;
    }
    const spec = specs.find((s) => s.name === token.name);
    const shown = token.rawName;
    if (!spec) {
      const names = specs.map((s) => s.name);
      const suggestion = closest(token.name, names);
      const own = (command?.options ?? []).map((s) => `--${s.name}`);
      throw usageError(
        `unknown option '${shown}'${where}${suggestion ? ` (did you mean '--${suggestion}'?)` : ''}. Accepted: ${
          own.length ? `${own.join(', ')} and the global options` : 'the global options'
        } (see ${helpRef}).`,
      );
    }
    if (spec.type === 'string') {
      if (token.value === undefined) {
        throw usageError(
          `option --${spec.name} needs a value: --${spec.name} ${spec.value ?? 'VALUE'} (see ${helpRef}).`,
        );
      }
      values[spec.name] = token.value;
    } else {
      if (token.inlineValue) {
        throw usageError(
          `option --${spec.name} takes no value; write --${spec.name} alone (see ${helpRef}).`,
        );
      }
      values[spec.name] = true;
    }
  }

  if (command && !values.help) {
    const max = command.positionals.length;
    const required = command.positionals.filter((p) => p.required);
    if (positionals.length < required.length) {
      const missing = required[positionals.length];
      throw usageError(`missing <${missing?.name}>: ${command.usage.replace(/^lambda-mcp /, 'lambda-mcp ')}`);
    }
    if (positionals.length > max) {
      throw usageError(
        `unexpected argument '${positionals[max]}'${where}. Usage: ${command.usage}` +
          (positionals[max]?.startsWith('{') ? ' (a payload goes after --payload)' : ''),
      );
    }
  } else if (!command && positionals.length > 0 && !values.help) {
    throw usageError(`unexpected argument '${positionals[0]}'. Run \`lambda-mcp --help\` for usage.`);
  }
  return { command, positionals, values };
}

export function stringValue(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The accepted word nearest to `input` when it is close enough to be a typo. */
export function closest(input: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(input.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting once ("ecoh"). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
