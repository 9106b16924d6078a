import { CONFIG_SETTINGS, type ConfigSetting } from '@lambda-mcp/core';
import { parseServerArgs } from '@lambda-mcp/core/internal';
import { HTTP_SETTINGS } from './settings.js';

export type LogFormat = 'json' | 'pretty';

export interface HttpArgs {
  help: boolean;
  version: boolean;
  logFormat: LogFormat;
  /** For core's `loadConfig({ flags })`: keyed by flag name without dashes. */
  configFlags: Record<string, unknown>;
  /** For `loadHttpSettings`: keyed by flag name without dashes. */
  httpFlags: Record<string, unknown>;
}

/** `--trust-proxy` may stand alone (one hop) or take a hop count: give it an explicit value. */
function normalizeOptionalValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--trust-proxy') {
      const next = argv[i + 1];
      if (next !== undefined && /^(\d+|true|false)$/i.test(next)) {
        out.push(`--trust-proxy=${next}`);
        i += 1;
      } else out.push('--trust-proxy=1');
    } else if (a === '--no-trust-proxy') out.push('--trust-proxy=0');
    else out.push(a);
  }
  return out;
}

function coreSettings(): ConfigSetting[] {
  return CONFIG_SETTINGS.filter((s) => s.flag);
}

/** Parses the command line; a bad flag is a LambdaMcpError(INVALID_CONFIG) naming it. */
export function parseHttpArgs(argv: readonly string[]): HttpArgs {
  const { flags, ...rest } = parseServerArgs(normalizeOptionalValues(argv), {
    program: 'lambda-mcp-http',
    settings: [...coreSettings(), ...HTTP_SETTINGS],
  });
  const httpNames = new Set(HTTP_SETTINGS.map((s) => s.flag.slice(2)));
  const configFlags: Record<string, unknown> = {};
  const httpFlags: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flags)) {
    if (httpNames.has(name)) httpFlags[name] = value;
    else configFlags[name] = value;
  }
  return { ...rest, configFlags, httpFlags };
}

export function helpText(version: string): string {
  const rows: Array<[string, string, string]> = [];
  for (const s of coreSettings()) {
    const left = s.kind === 'boolean' ? `${s.flag}, --no-${(s.flag ?? '').slice(2)}` : `${s.flag} <value>`;
    rows.push([left, s.description, `env ${s.env}; default ${s.default}`]);
  }
  for (const s of HTTP_SETTINGS) {
    const left = s.kind === 'boolean' ? s.flag : s.kind === 'hops' ? `${s.flag} [hops]` : `${s.flag} <value>`;
    rows.push([left, s.description, `env ${s.env}; default ${s.default}`]);
  }
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  const body = rows.map(([l, d, e]) => `  ${l.padEnd(width)}${d}\n  ${''.padEnd(width)}[${e}]`).join('\n');
  return `lambda-mcp-http ${version}

An MCP server over Streamable HTTP (at /mcp) that exposes AWS Lambda functions, or local
Lambda-like functions, as tools. Also serves /health, /ready and /metrics. Logs go to stderr.

Usage:
  lambda-mcp-http [options]                      AWS Lambda functions (default credential chain)
  lambda-mcp-http --local examples/functions     local functions from a folder (no AWS needed)

Options:
  -h, --help${''.padEnd(Math.max(1, width - 8))}Show this help and exit.
  -v, --version${''.padEnd(Math.max(1, width - 11))}Show the version and exit.
  --log-format <json|pretty>${''.padEnd(Math.max(1, width - 24))}Log line format on stderr (default json).
${body}

Authentication is off only when the server is bound to loopback and none is configured.
Bearer tokens: LAMBDA_MCP_AUTH_TOKENS="name=token,..." or --tokens-file; hashed tokens and
per-token function patterns: --auth-file (see the README for the JSON format).

MCP client configuration (Streamable HTTP):
  { "mcpServers": { "lambda": { "url": "http://127.0.0.1:3000/mcp" } } }
`;
}
