// A data table (one row per setting, with its help text): long by nature, read row by row.
import type { Config } from './schema.js';

export type ConfigKey = keyof Config;

export type SettingKind =
  | 'string'
  | 'path'
  | 'list'
  | 'integer'
  | 'duration'
  | 'boolean'
  | 'enum'
  | 'tag-filters'
  | 'json';

/**
 * One row of the settings table: one environment variable (several rows may feed one config key,
 * e.g. FUNCTION_TAG_KEY and LAMBDA_MCP_TAG_FILTERS both feed `tagFilters`). The apps' --help and
 * the README tables are generated from this list.
 */
export interface ConfigSetting {
  /** Key in `Config` and in lambda-mcp.config.json; `configFile` is the file itself. */
  name: ConfigKey | 'configFile';
  /** Environment variable. */
  env: string;
  /** Other environment variables read when `env` is unset (lower precedence, in order). */
  envAliases?: readonly string[];
  /** Command-line flag, e.g. `--function-prefix` (absent: environment or file only). */
  flag?: string;
  kind: SettingKind;
  /** The default as shown to people. */
  default: string;
  /** What is accepted, as a phrase ("an integer from 1 to 100"). */
  accepts: string;
  description: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** The value is not echoed back in error messages. */
  secret?: boolean;
}

/** The config file read from the working directory when present (and not named otherwise). */
export const DEFAULT_CONFIG_FILE = 'lambda-mcp.config.json';

export const CONFIG_SETTINGS: readonly ConfigSetting[] = [
  {
    name: 'configFile',
    env: 'LAMBDA_MCP_CONFIG',
    flag: '--config',
    kind: 'path',
    default: './lambda-mcp.config.json when present',
    accepts: 'a path to a JSON file',
    description:
      'Configuration file (JSON, keys as in the "file key" column). Flags and environment win over it.',
  },
  {
    name: 'backend',
    env: 'LAMBDA_MCP_BACKEND',
    flag: '--backend',
    kind: 'enum',
    values: ['aws', 'local'],
    default: 'aws (local when a local directory is set)',
    accepts: 'aws or local',
    description: 'Where functions live: AWS Lambda, or a local directory of Node.js functions.',
  },
  {
    name: 'localDir',
    env: 'LAMBDA_MCP_LOCAL_DIR',
    flag: '--local',
    kind: 'path',
    default: '(none)',
    accepts: 'a directory path',
    description: 'Directory of local functions (one folder each); implies the local backend.',
  },
  {
    name: 'region',
    env: 'AWS_REGION',
    envAliases: ['AWS_DEFAULT_REGION'],
    flag: '--region',
    kind: 'string',
    default: '(the AWS SDK default chain)',
    accepts: 'an AWS region such as us-east-1',
    description: 'AWS region. AWS_DEFAULT_REGION is read when AWS_REGION is unset.',
  },
  {
    name: 'profile',
    env: 'AWS_PROFILE',
    flag: '--profile',
    kind: 'string',
    default: '(none: the default credential chain)',
    accepts: 'a profile name',
    description:
      'Named AWS profile. Optional, never forced: without it the default credential chain is used.',
  },
  {
    name: 'roleArn',
    env: 'LAMBDA_MCP_ROLE_ARN',
    flag: '--role-arn',
    kind: 'string',
    default: '(none)',
    accepts: 'an IAM role ARN such as arn:aws:iam::123456789012:role/name',
    description: 'Role to assume for every AWS call, keeping the server’s own credentials separate.',
  },
  {
    name: 'roleExternalId',
    env: 'LAMBDA_MCP_ROLE_EXTERNAL_ID',
    flag: '--role-external-id',
    kind: 'string',
    default: '(none)',
    accepts: '2-1224 characters of A-Z a-z 0-9 and + = , . @ : / -',
    description: 'External id for the role to assume.',
    secret: true,
  },
  {
    name: 'roleSessionName',
    env: 'LAMBDA_MCP_ROLE_SESSION_NAME',
    flag: '--role-session-name',
    kind: 'string',
    default: 'lambda-mcp',
    accepts: '2-64 characters of A-Z a-z 0-9 and + = , . @ -',
    description: 'Session name for the role to assume.',
  },
  {
    name: 'awsConnectTimeoutMs',
    env: 'LAMBDA_MCP_AWS_CONNECT_TIMEOUT_MS',
    flag: '--aws-connect-timeout-ms',
    kind: 'integer',
    min: 100,
    max: 600_000,
    default: '5000',
    accepts: 'an integer from 100 to 600000 (milliseconds)',
    description:
      'An AWS endpoint that accepts no connection within this long is given up (the request was never sent, so it is retried).',
  },
  {
    name: 'awsRequestTimeoutMs',
    env: 'LAMBDA_MCP_AWS_REQUEST_TIMEOUT_MS',
    flag: '--aws-request-timeout-ms',
    kind: 'integer',
    min: 100,
    max: 3_600_000,
    default: '20000',
    accepts: 'an integer from 100 to 3600000 (milliseconds)',
    description:
      'An AWS read (ListFunctions, tags, schemas, metrics, logs) that gets no answer, or no data, for this long is given up and retried (TIMED_OUT after the SDK’s attempts). Invoke has its own bound.',
  },
  {
    name: 'invokeTimeoutMarginMs',
    env: 'LAMBDA_MCP_INVOKE_TIMEOUT_MARGIN_MS',
    flag: '--invoke-timeout-margin-ms',
    kind: 'integer',
    min: 0,
    max: 900_000,
    default: '10000',
    accepts: 'an integer from 0 to 900000 (milliseconds)',
    description:
      'An invocation with no answer after the function’s own timeout plus this margin is given up with TIMED_OUT (it may have run; it is never sent again).',
  },
  {
    name: 'discoveryTimeoutSeconds',
    env: 'LAMBDA_MCP_DISCOVERY_TIMEOUT',
    flag: '--discovery-timeout',
    kind: 'duration',
    min: 1,
    max: 86_400,
    default: '120',
    accepts: 'seconds (e.g. 120) or a duration such as 90s, 2m',
    description:
      'One discovery of the functions (every ListFunctions page and the tags) must finish within this long; otherwise it fails with a retryable TIMED_OUT and is tried again in the background.',
  },
  {
    name: 'functionPrefixes',
    env: 'FUNCTION_PREFIX',
    flag: '--function-prefix',
    kind: 'list',
    default: '(none)',
    accepts: 'comma-separated name prefixes (A-Z a-z 0-9 _ -)',
    description:
      'Only functions whose name starts with one of these prefixes (several are OR’ed); with FUNCTION_LIST also set, a function in either is exposed (the official server’s union).',
  },
  {
    name: 'functionList',
    env: 'FUNCTION_LIST',
    flag: '--function-list',
    kind: 'list',
    default: '(none)',
    accepts: 'comma-separated function names, name:qualifier, full or partial ARNs',
    description:
      'Only these functions (with FUNCTION_PREFIX also set: these and the prefixed ones). An entry with a qualifier (name:alias, name:3) exposes that qualifier only.',
  },
  {
    name: 'trustFunctionList',
    env: 'LAMBDA_MCP_TRUST_FUNCTION_LIST',
    flag: '--trust-function-list',
    kind: 'boolean',
    default: 'false',
    accepts: 'true or false (also 1/0, yes/no, on/off)',
    description:
      'With FUNCTION_LIST and no prefix: expose the listed functions without reading their configuration or tags (for endpoints that implement only Invoke; tools get no schema, description or timeout).',
  },
  {
    name: 'tagFilters',
    env: 'FUNCTION_TAG_KEY',
    kind: 'string',
    default: '(none)',
    accepts: 'a tag key (1-128 characters)',
    description: 'Only functions carrying this tag (any value unless FUNCTION_TAG_VALUE is set).',
  },
  {
    name: 'tagFilters',
    env: 'FUNCTION_TAG_VALUE',
    kind: 'string',
    default: '(none)',
    accepts: 'a tag value (at most 256 characters); requires FUNCTION_TAG_KEY',
    description: 'The value the FUNCTION_TAG_KEY tag must have.',
  },
  {
    name: 'tagFilters',
    env: 'LAMBDA_MCP_TAG_FILTERS',
    flag: '--tag-filter',
    kind: 'tag-filters',
    default: '(none)',
    accepts: 'comma-separated key=value1|value2 or key (any value)',
    description:
      'Tag filters, all of which must match; values of one key are OR’ed; a key alone matches any value. Added to FUNCTION_TAG_KEY.',
  },
  {
    name: 'runtimes',
    env: 'LAMBDA_MCP_RUNTIMES',
    flag: '--runtime',
    kind: 'list',
    default: '(any)',
    accepts: 'comma-separated runtime identifiers such as nodejs22.x,python3.13',
    description: 'Only functions with one of these runtimes (container-image functions have none).',
  },
  {
    name: 'exclude',
    env: 'LAMBDA_MCP_EXCLUDE',
    flag: '--exclude',
    kind: 'list',
    default: '(none)',
    accepts:
      'comma-separated function patterns: name, name:qualifier, <account>:function:name or a full ARN, with * and ? in any part',
    description:
      'Functions (or qualifiers) never exposed or invoked, whatever else matches; an entry that cannot name a function is refused at start-up.',
  },
  {
    name: 'inputSchemaArnTagKey',
    env: 'FUNCTION_INPUT_SCHEMA_ARN_TAG_KEY',
    flag: '--input-schema-tag-key',
    kind: 'string',
    default: 'lambda-mcp:input-schema-arn',
    accepts: 'a tag key (1-128 characters)',
    description: 'Tag whose value is the EventBridge Schema Registry ARN of the function’s input schema.',
  },
  {
    name: 'outputSchemaArnTagKey',
    env: 'LAMBDA_MCP_OUTPUT_SCHEMA_ARN_TAG_KEY',
    flag: '--output-schema-tag-key',
    kind: 'string',
    default: 'lambda-mcp:output-schema-arn',
    accepts: 'a tag key (1-128 characters)',
    description: 'Tag whose value is the schema ARN of the function’s output.',
  },
  {
    name: 'cacheTtlSeconds',
    env: 'LAMBDA_MCP_CACHE_TTL',
    flag: '--cache-ttl',
    kind: 'duration',
    min: 0,
    default: '300',
    accepts: 'seconds (e.g. 300) or a duration such as 90s, 5m, 1h',
    description: 'How long the function catalog and schemas are reused before they are read again.',
  },
  {
    name: 'refreshIntervalSeconds',
    env: 'LAMBDA_MCP_REFRESH_INTERVAL',
    flag: '--refresh-interval',
    kind: 'duration',
    min: 0,
    default: '300 (5 minutes)',
    accepts: 'seconds (e.g. 60) or a duration such as 30s, 5m; 0 turns it off',
    description: 'Refresh the catalog in the background this often (tools/list_changed when it changed).',
  },
  {
    name: 'diskCache',
    env: 'LAMBDA_MCP_DISK_CACHE',
    flag: '--disk-cache',
    kind: 'boolean',
    default: 'true',
    accepts: 'true or false (also 1/0, yes/no, on/off)',
    description:
      'Keep the last catalog on disk (answered at once after a restart) and, with --local, the shared invocation history that metrics and logs read.',
  },
  {
    name: 'cacheDir',
    env: 'LAMBDA_MCP_CACHE_DIR',
    flag: '--cache-dir',
    kind: 'path',
    default: '$XDG_CACHE_HOME/lambda-mcp or ~/.cache/lambda-mcp',
    accepts: 'a directory path',
    description: 'Directory of the disk catalog cache and the local invocation history.',
  },
  {
    name: 'toolFamilies',
    env: 'LAMBDA_MCP_TOOLS',
    flag: '--tools',
    kind: 'enum',
    values: ['both', 'per-function', 'generic'],
    default: 'both',
    accepts: 'both, per-function or generic',
    description: 'Which MCP tools to expose: one tool per function, the generic tools, or both.',
  },
  {
    name: 'maxFunctionTools',
    env: 'LAMBDA_MCP_MAX_TOOLS',
    flag: '--max-tools',
    kind: 'integer',
    min: 0,
    max: 10_000,
    default: '100',
    accepts: 'an integer from 0 to 10000',
    description: 'At most this many per-function tools; the rest stay reachable through the generic tools.',
  },
  {
    name: 'maxResultBytes',
    env: 'LAMBDA_MCP_MAX_RESULT_BYTES',
    flag: '--max-result-bytes',
    kind: 'integer',
    min: 1024,
    default: '65536',
    accepts: 'an integer of at least 1024',
    description: 'Tool results longer than this are truncated with a notice.',
  },
  {
    name: 'invokeConcurrency',
    env: 'LAMBDA_MCP_INVOKE_CONCURRENCY',
    flag: '--invoke-concurrency',
    kind: 'integer',
    min: 1,
    max: 100,
    default: '8',
    accepts: 'an integer from 1 to 100',
    description: 'How many invocations of one batch (invoke_functions) run at once.',
  },
  {
    name: 'progressIntervalMs',
    env: 'LAMBDA_MCP_PROGRESS_INTERVAL_MS',
    flag: '--progress-interval-ms',
    kind: 'integer',
    min: 100,
    default: '2000',
    accepts: 'an integer of at least 100 (milliseconds)',
    description: 'How often progress notifications are sent while an invocation runs.',
  },
  {
    name: 'annotations',
    env: 'LAMBDA_MCP_ANNOTATIONS',
    kind: 'json',
    default: '{}',
    accepts:
      'a JSON object {"<function name or glob>": {"readOnly"?: bool, "destructive"?: bool, "idempotent"?: bool, "openWorld"?: bool}}',
    description: 'Tool annotation overrides per function.',
  },
  {
    name: 'port',
    env: 'MCP_SERVER_PORT',
    flag: '--port',
    kind: 'integer',
    min: 0,
    max: 65_535,
    default: '3000',
    accepts: 'an integer from 0 to 65535',
    description: 'HTTP server port (0 picks a free port).',
  },
  {
    name: 'host',
    env: 'LAMBDA_MCP_HOST',
    flag: '--host',
    kind: 'string',
    default: '127.0.0.1',
    accepts: 'a host name or IP address',
    description: 'Address the HTTP server binds to.',
  },
  {
    name: 'logLevel',
    env: 'LOG_LEVEL',
    envAliases: ['LAMBDA_MCP_LOG_LEVEL'],
    flag: '--log-level',
    kind: 'enum',
    values: ['debug', 'info', 'warn', 'error', 'silent'],
    default: 'info',
    accepts: 'debug, info, warn (or warning), error, silent (any case)',
    description: 'Log level. Logs go to stderr.',
  },
  {
    name: 'logPayloads',
    env: 'LAMBDA_MCP_LOG_PAYLOADS',
    flag: '--log-payloads',
    kind: 'boolean',
    default: 'false',
    accepts: 'true or false (also 1/0, yes/no, on/off)',
    description: 'Include invocation payloads and results in logs (off: never logged).',
  },
];

/** The settings table as Markdown (for READMEs and docs). */
export function formatSettingsMarkdown(settings: readonly ConfigSetting[] = CONFIG_SETTINGS): string {
  const esc = (text: string) => text.replace(/\|/g, '\\|');
  const rows = settings.map((s) => {
    const env = [s.env, ...(s.envAliases ?? [])].map((e) => `\`${e}\``).join(', ');
    const key = s.name === 'configFile' ? '' : `\`${s.name}\``;
    const flag = s.flag ? `\`${s.flag}\`` : '';
    return `| ${env} | ${flag} | ${key} | ${esc(s.default)} | ${esc(s.description)} Accepts ${esc(s.accepts)}. |`;
  });
  return [
    '| environment | flag | file key | default | description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The settings as plain text for `--help` (flag, environment variable, description). */
export function formatSettingsHelp(settings: readonly ConfigSetting[] = CONFIG_SETTINGS): string {
  const withFlag = settings.filter((s) => s.flag);
  const width = Math.max(...withFlag.map((s) => (s.flag ?? '').length + (s.kind === 'boolean' ? 0 : 8)));
  return withFlag
    .map((s) => {
      const left = s.kind === 'boolean' ? (s.flag ?? '') : `${s.flag} <value>`;
      return `  ${left.padEnd(width + 2)}${s.description} [env ${s.env}; default ${s.default}]`;
    })
    .join('\n');
}
