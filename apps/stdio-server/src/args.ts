import { CONFIG_SETTINGS, type ConfigSetting } from '@lambda-mcp/core';
import { parseServerArgs } from '@lambda-mcp/core/internal';

/** Settings that mean nothing to a stdio server (they belong to the HTTP app). */
const NOT_FOR_STDIO = new Set(['--port', '--host']);

export type LogFormat = 'json' | 'pretty';

export interface StdioArgs {
  help: boolean;
  version: boolean;
  logFormat: LogFormat;
  /** For `loadConfig({ flags })`: keyed by flag name without dashes. */
  flags: Record<string, unknown>;
}

function stdioSettings(): ConfigSetting[] {
  return CONFIG_SETTINGS.filter((s) => s.flag && !NOT_FOR_STDIO.has(s.flag));
}

/** Parses the command line; a bad flag is a LambdaMcpError(INVALID_CONFIG) naming it. */
export function parseStdioArgs(argv: readonly string[]): StdioArgs {
  return parseServerArgs(argv, { program: 'lambda-mcp-stdio', settings: stdioSettings() });
}

export function helpText(version: string): string {
  const settings = stdioSettings();
  const width = Math.max(...settings.map((s) => (s.flag ?? '').length + (s.kind === 'boolean' ? 0 : 8)), 20);
  const rows = settings.map((s) => {
    const left = s.kind === 'boolean' ? `${s.flag}, --no-${(s.flag ?? '').slice(2)}` : `${s.flag} <value>`;
    return `  ${left.padEnd(width + 8)}${s.description}\n  ${''.padEnd(width + 8)}[env ${s.env}; default ${s.default}]`;
  });
  return `lambda-mcp-stdio ${version}

An MCP server over stdio that exposes AWS Lambda functions (or local Lambda-like functions) as tools.
stdout carries JSON-RPC only; logs go to stderr.

Usage:
  lambda-mcp-stdio [options]                     AWS Lambda functions (default credential chain)
  lambda-mcp-stdio --local examples/functions    local functions from a folder (no AWS needed)

Options:
  -h, --help${''.padEnd(width - 2)}Show this help and exit.
  -v, --version${''.padEnd(width - 5)}Show the version and exit.
  --log-format <json|pretty>${''.padEnd(Math.max(1, width - 18))}Log line format on stderr (default json).
${rows.join('\n')}

Every option can also come from its environment variable or from lambda-mcp.config.json
(flags win over the environment, which wins over the file).

Example client configuration (Claude Desktop, Cursor, VS Code "mcpServers"):
  { "mcpServers": { "lambda": { "command": "npx", "args": ["-y", "@lambda-mcp/stdio-server"],
                                "env": { "AWS_REGION": "us-east-1", "FUNCTION_PREFIX": "mcp-" } } } }
`;
}
