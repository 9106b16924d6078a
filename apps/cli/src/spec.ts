/** The command line's vocabulary: global options, commands, their options and help examples. */
export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help for a string option, e.g. `DIR`. */
  value?: string;
  description: string;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  description: string;
  positionals: PositionalSpec[];
  options: OptionSpec[];
  examples: Array<[command: string, what: string]>;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  {
    name: 'local',
    type: 'string',
    value: 'DIR',
    description: 'Use the local functions in DIR instead of AWS (e.g. examples/functions).',
  },
  {
    name: 'region',
    type: 'string',
    value: 'REGION',
    description: 'AWS region (default: AWS_REGION or your profile).',
  },
  {
    name: 'profile',
    type: 'string',
    value: 'NAME',
    description: 'AWS profile (default: AWS_PROFILE, else the default chain).',
  },
  {
    name: 'config',
    type: 'string',
    value: 'FILE',
    description: 'Configuration file (default: ./lambda-mcp.config.json when present).',
  },
  { name: 'json', type: 'boolean', description: 'Machine-readable JSON on stdout.' },
  {
    name: 'log-level',
    type: 'string',
    value: 'LEVEL',
    description: 'Log level on stderr: debug, info, warn, error, silent (default: error).',
  },
  { name: 'no-color', type: 'boolean', description: 'No colours (also NO_COLOR=1).' },
  { name: 'debug', type: 'boolean', description: 'Show stack traces and debug logs on errors.' },
  {
    name: 'help',
    type: 'boolean',
    short: 'h',
    description: 'Show help (for a command: lambda-mcp <command> --help).',
  },
  { name: 'version', type: 'boolean', short: 'V', description: 'Print the version.' },
];

const SINCE = (fallback: string): OptionSpec => ({
  name: 'since',
  type: 'string',
  value: 'DURATION',
  description: `How far back: 30s, 15m, 1h, 2d (default: ${fallback}).`,
});

export const COMMANDS: CommandSpec[] = [
  {
    name: 'functions',
    summary: 'List the functions exposed as tools (the filtered catalog).',
    usage: 'lambda-mcp functions [--all]',
    description:
      'Shows each function that passes the configured filters, with its runtime, memory, timeout, tags and input schema. With --all, also the functions the filters exclude and the rule that excluded each one.',
    positionals: [],
    options: [{ name: 'all', type: 'boolean', description: 'Also show excluded functions and why.' }],
    examples: [
      ['lambda-mcp functions --local examples/functions', 'the bundled local functions'],
      ['lambda-mcp functions --all --region eu-west-1', 'why a function is not showing up as a tool'],
      ['lambda-mcp functions --json | jq -r ".functions[].name"', 'names only, for scripts'],
    ],
  },
  {
    name: 'invoke',
    summary: 'Invoke a function and print its result.',
    usage:
      'lambda-mcp invoke <function> [--payload JSON | @file.json | -] [--async | --dry-run] [--qualifier Q] [--logs]',
    description:
      'Invokes a function through the same checks an MCP client gets (allowlist, input schema, payload limits). The result payload goes to stdout; with --logs the log tail and the REPORT figures go to stderr. A function error prints its type, message and trace and exits 1.',
    positionals: [{ name: 'function', required: true, description: 'Function name, ARN or name:qualifier.' }],
    options: [
      {
        name: 'payload',
        type: 'string',
        value: 'JSON|@FILE|-',
        description: 'The event: inline JSON, @file.json, or - for stdin (default: {}).',
      },
      { name: 'async', type: 'boolean', description: 'Invoke asynchronously (InvocationType Event).' },
      { name: 'dry-run', type: 'boolean', description: 'Check access and input without running (DryRun).' },
      { name: 'qualifier', type: 'string', value: 'Q', description: 'Version or alias to invoke.' },
      {
        name: 'logs',
        type: 'boolean',
        description: 'Show the log tail and REPORT figures (duration, memory).',
      },
    ],
    examples: [
      [
        `lambda-mcp invoke data-processor --payload '{"data_source":"customer-analytics"}' --local examples/functions`,
        'inline JSON',
      ],
      ['lambda-mcp invoke echo --payload @event.json --logs', 'payload from a file, with the log tail'],
      ['echo \'{"id":"c-1"}\' | lambda-mcp invoke customer-lookup --payload -', 'payload from stdin'],
      ['lambda-mcp invoke my-fn --dry-run', 'check permissions and input without running'],
    ],
  },
  {
    name: 'schema',
    summary: 'Show the input (and output) JSON Schema as the MCP tool shows it.',
    usage: 'lambda-mcp schema <function> [--version V] [--examples]',
    description:
      "Prints the function's input schema exactly as MCP clients get it as the tool's inputSchema, the output schema when one is known, where each came from, and with --examples example payloads that validate.",
    positionals: [{ name: 'function', required: true, description: 'Function name, ARN or name:qualifier.' }],
    options: [
      {
        name: 'version',
        type: 'string',
        value: 'V',
        description: 'Schema registry version (default: latest).',
      },
      { name: 'examples', type: 'boolean', description: 'Also print example payloads.' },
    ],
    examples: [
      ['lambda-mcp schema data-processor --examples --local examples/functions', 'schema and examples'],
      ['lambda-mcp schema my-fn --version 3 --json', 'one registry version, as JSON'],
    ],
  },
  {
    name: 'monitor',
    summary: 'Invocations, errors, throttles, duration and concurrency, as terminal charts.',
    usage: 'lambda-mcp monitor <function> [--since 1h | --from T --to T] [--errors] [--qualifier Q]',
    description:
      'Draws the metric series of a function over a time range as small charts with the summary figures (totals, error rate, duration percentiles, peak concurrency). With --errors, recent error details from the logs.',
    positionals: [{ name: 'function', required: true, description: 'Function name, ARN or name:qualifier.' }],
    options: [
      SINCE('1h'),
      {
        name: 'from',
        type: 'string',
        value: 'T',
        description: 'Start: ISO 8601 time or a duration ago (e.g. 2h).',
      },
      {
        name: 'to',
        type: 'string',
        value: 'T',
        description: 'End: ISO 8601 time or a duration ago (default: now).',
      },
      { name: 'errors', type: 'boolean', description: 'Also show recent error details.' },
      { name: 'qualifier', type: 'string', value: 'Q', description: 'Version or alias.' },
    ],
    examples: [
      ['lambda-mcp monitor data-processor --since 1h --local examples/functions', 'the last hour'],
      [
        'lambda-mcp monitor my-fn --from 2025-01-01T00:00:00Z --to 2025-01-02T00:00:00Z --errors',
        'a day, with errors',
      ],
      ['lambda-mcp monitor my-fn --json | jq .summary', 'summary figures for a script'],
    ],
  },
  {
    name: 'logs',
    summary: "Recent log events of a function's log group.",
    usage: 'lambda-mcp logs <function> [--since 15m] [--filter PATTERN] [--limit N] [--follow]',
    description:
      'Prints log events, oldest first. --filter takes a CloudWatch Logs filter pattern. --follow keeps polling for new events until Ctrl-C (or SIGTERM) and then exits 0; with --json it prints one JSON object per line (NDJSON).',
    positionals: [{ name: 'function', required: true, description: 'Function name, ARN or name:qualifier.' }],
    options: [
      SINCE('15m'),
      {
        name: 'filter',
        type: 'string',
        value: 'PATTERN',
        description: 'CloudWatch Logs filter pattern, e.g. ERROR.',
      },
      { name: 'limit', type: 'string', value: 'N', description: 'At most N events (1-10000, default 100).' },
      { name: 'follow', type: 'boolean', description: 'Keep printing new events until interrupted.' },
    ],
    examples: [
      ['lambda-mcp logs echo --since 1h --local examples/functions', 'the last hour'],
      ['lambda-mcp logs my-fn --filter ERROR --limit 20', 'recent errors'],
      ['lambda-mcp logs my-fn --follow', 'tail -f for a function'],
    ],
  },
  {
    name: 'tools',
    summary: 'The MCP tool catalog exactly as a client will see it.',
    usage: 'lambda-mcp tools [<tool>]',
    description:
      'Lists the tools the MCP server would offer with this configuration: names, descriptions, input and output schemas and annotations. Use it to check a configuration before plugging it into an AI client. --json prints the tools/list result.',
    positionals: [{ name: 'tool', required: false, description: 'Show only this tool.' }],
    options: [],
    examples: [
      ['lambda-mcp tools --local examples/functions', 'what a client would see'],
      ['lambda-mcp tools invoke_function', 'one tool in full'],
      ['lambda-mcp tools --json | jq -r ".tools[].name"', 'tool names'],
    ],
  },
  {
    name: 'doctor',
    summary: 'Check credentials, permissions, filters and schema tags, with fixes.',
    usage: 'lambda-mcp doctor [FUNCTION] [--all]',
    description:
      'Checks which identity and region are used, that each operation the server needs is permitted (list, tags, invoke by dry run, schemas, metrics, logs), what the filters match and exclude, and that schema tags point to schemas that exist. Each finding says how to fix it. Exits 0 when every check passed (warnings allowed), 1 otherwise.',
    positionals: [
      {
        name: 'FUNCTION',
        required: false,
        description:
          'Explain one function: which filter kept or dropped it, its tool (cap, renames), its schema, its invoke permission.',
      },
    ],
    options: [
      {
        name: 'all',
        type: 'boolean',
        description: 'List every dropped function by reason (not a sample), the tool cap and renamed tools.',
      },
    ],
    examples: [
      ['lambda-mcp doctor --region eu-west-1 --profile prod', 'before configuring an AI client'],
      ['lambda-mcp doctor --json | jq ".checks[] | select(.status==\\"fail\\")"', 'failed checks only'],
      ['lambda-mcp doctor orders-refund', 'why is orders-refund (not) a tool?'],
      ['lambda-mcp doctor --all', 'every dropped function, the tool cap and renames'],
    ],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
