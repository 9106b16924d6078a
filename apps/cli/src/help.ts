import { COMMANDS, type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from './spec.js';
import type { Style } from './ui/color.js';
import { padEnd } from './ui/color.js';

function optionLines(options: OptionSpec[], style: Style): string[] {
  const labels = options.map((o) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    return `${short}--${o.name}${o.value ? ` ${o.value}` : ''}`;
  });
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  return options.map((o, i) => `  ${style.bold(padEnd(labels[i] ?? '', width))}${o.description}`);
}

const EXIT_CODES = [
  '  0   success',
  '  1   a function or an operation failed (function error, throttled, denied, a doctor check failed)',
  '  2   usage error: unknown command or option, bad payload, unknown or excluded function',
  '  70  internal error (a bug: please report it)',
  '  130 interrupted (Ctrl-C)',
];

export function generalHelp(version: string, style: Style): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `${style.bold('lambda-mcp')} ${version}: explore, invoke and monitor AWS Lambda functions, and check an MCP configuration.`,
    '',
    style.bold('Usage'),
    '  lambda-mcp <command> [options]',
    '',
    style.bold('Commands'),
    ...COMMANDS.map((c) => `  ${style.bold(padEnd(c.name, width))}${c.summary}`),
    '',
    style.bold('Global options'),
    ...optionLines(GLOBAL_OPTIONS, style),
    '',
    style.bold('Configuration'),
    '  Flags, then environment (AWS_REGION, AWS_PROFILE, FUNCTION_PREFIX, FUNCTION_LIST, FUNCTION_TAG_KEY,',
    '  FUNCTION_TAG_VALUE, FUNCTION_INPUT_SCHEMA_ARN_TAG_KEY, LAMBDA_MCP_*), then lambda-mcp.config.json.',
    '',
    style.bold('Exit codes'),
    ...EXIT_CODES,
    '',
    style.bold('Examples'),
    '  lambda-mcp functions --local examples/functions',
    `  lambda-mcp invoke echo --payload '{"hello":"world"}' --local examples/functions`,
    '  lambda-mcp doctor --region eu-west-1',
    '',
    'Run `lambda-mcp <command> --help` for the options of a command.',
  ].join('\n');
}

export function commandHelp(command: CommandSpec, style: Style): string {
  const lines = [
    `${style.bold(`lambda-mcp ${command.name}`)}: ${command.summary}`,
    '',
    style.bold('Usage'),
    `  ${command.usage}`,
    '',
    ...wrap(command.description, 100).map((l) => `  ${l}`),
  ];
  if (command.positionals.length) {
    lines.push('', style.bold('Arguments'));
    const width = Math.max(...command.positionals.map((p) => p.name.length)) + 4;
    for (const p of command.positionals) {
      lines.push(
        `  ${style.bold(padEnd(`<${p.name}>`, width))}${p.description}${p.required ? '' : ' (optional)'}`,
      );
    }
  }
  if (command.options.length) lines.push('', style.bold('Options'), ...optionLines(command.options, style));
  lines.push(
    '',
    style.bold('Global options'),
    ...optionLines(
      GLOBAL_OPTIONS.filter((g) => !command.options.some((o) => o.name === g.name)),
      style,
    ),
  );
  lines.push('', style.bold('Examples'));
  for (const [cmd, what] of command.examples) lines.push(`  ${style.dim(`# ${what}`)}`, `  ${cmd}`);
  lines.push('', style.bold('Exit codes'), ...EXIT_CODES);
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
