import { z } from 'zod';
import { LambdaMcpError } from '../errors.js';

/**
 * The one configuration model. Loaded by `loadConfig` from flags, environment and an optional
 * `lambda-mcp.config.json`, in that order of precedence, and validated here.
 */
export const TagFilterSchema = z.object({
  key: z.string().min(1).max(128),
  values: z.array(z.string().max(256)).max(20).optional(),
});

export const AnnotationOverrideSchema = z.object({
  readOnly: z.boolean().optional(),
  destructive: z.boolean().optional(),
  idempotent: z.boolean().optional(),
  openWorld: z.boolean().optional(),
});

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export const TOOL_FAMILIES = ['both', 'per-function', 'generic'] as const;
export const BACKENDS = ['aws', 'local'] as const;

export const ConfigSchema = z.object({
  /** `aws` (default) or `local` (a directory of functions). */
  backend: z.enum(BACKENDS).default('aws'),
  /** Directory of local functions (backend `local`). */
  localDir: z.string().min(1).optional(),

  // AWS
  region: z.string().min(1).optional(),
  /** Never forced: without it the default credential chain is used. */
  profile: z.string().min(1).optional(),
  roleArn: z.string().min(1).optional(),
  roleExternalId: z.string().min(1).optional(),
  roleSessionName: z.string().min(1).default('lambda-mcp'),
  /** No connection to an AWS endpoint within this long: given up (never sent; retried). */
  awsConnectTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
  /** A read request with no answer (or no data) for this long: given up and retried. */
  awsRequestTimeoutMs: z.number().int().min(100).max(3_600_000).default(20_000),
  /** An Invoke is given up after the function's own timeout plus this margin (it may have run). */
  invokeTimeoutMarginMs: z.number().int().min(0).max(900_000).default(10_000),
  /** One discovery (every page, tags) must finish within this long; retried after a failure. */
  discoveryTimeoutSeconds: z.number().int().min(1).max(86_400).default(120),

  // discovery filters (all configured filters must match)
  functionPrefixes: z.array(z.string().min(1)).default([]),
  /** Names, full or partial ARNs, or `name:qualifier`. */
  functionList: z.array(z.string().min(1)).default([]),
  trustFunctionList: z.boolean().default(false),
  tagFilters: z.array(TagFilterSchema).default([]),
  runtimes: z.array(z.string().min(1)).default([]),
  /** Names (or `*` globs) never exposed, whatever else matches. */
  exclude: z.array(z.string().min(1)).default([]),

  // schemas
  inputSchemaArnTagKey: z.string().min(1).default('lambda-mcp:input-schema-arn'),
  outputSchemaArnTagKey: z.string().min(1).default('lambda-mcp:output-schema-arn'),

  // catalog
  cacheTtlSeconds: z.number().int().min(0).default(300),
  /** Seconds between background refreshes (default 300: every 5 minutes); 0: no periodic refresh. */
  refreshIntervalSeconds: z.number().int().min(0).default(300),
  diskCache: z.boolean().default(true),
  cacheDir: z.string().min(1).optional(),

  // tools
  toolFamilies: z.enum(TOOL_FAMILIES).default('both'),
  maxFunctionTools: z.number().int().min(0).max(10_000).default(100),
  maxResultBytes: z.number().int().min(1024).default(65_536),
  invokeConcurrency: z.number().int().min(1).max(100).default(8),
  progressIntervalMs: z.number().int().min(100).default(2_000),
  annotations: z.record(z.string(), AnnotationOverrideSchema).default({}),

  // servers
  port: z.number().int().min(0).max(65_535).default(3000),
  host: z.string().min(1).default('127.0.0.1'),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /** Payload contents in logs only when the operator opts in. */
  logPayloads: z.boolean().default(false),
});

export type Config = z.infer<typeof ConfigSchema>;
/** What callers may pass before defaults are applied. */
export type ConfigInput = z.input<typeof ConfigSchema>;
export type AnnotationOverride = z.infer<typeof AnnotationOverrideSchema>;

/**
 * Validates a config object built in code (defaults applied). `loadConfig` gives better messages
 * for flags, environment and files; this one names the key that was wrong.
 */
export function parseConfig(input: ConfigInput | Config | undefined): Config {
  const parsed = ConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path.map(String).join('.') || '(root)';
  throw new LambdaMcpError(
    'INVALID_CONFIG',
    `Invalid config option ${key}: ${issue?.message ?? 'not accepted'}. Use loadConfig() for flags and environment, or see the configuration table.`,
    { details: { setting: key } },
  );
}
