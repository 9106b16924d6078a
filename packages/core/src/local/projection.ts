/**
 * The AWS-shaped view of local functions: FunctionConfiguration, tags (schema ARNs included),
 * DescribeSchema documents and Invoke results.
 */
import { LambdaMcpError } from '../errors.js';
import type {
  BackendInvokeRequest,
  BackendInvokeResult,
  FunctionConfig,
  RawSchemaDocument,
  SchemaRef,
  Tags,
} from '../types.js';
import type { CatalogEntry } from './catalog.js';
import type { Answer, Invocation } from './invocation-log.js';
import { lambdaTimestamp, logTail } from './log-format.js';
import { functionArn } from './names.js';

function architecture(): string {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

export interface ProjectionOptions {
  region: string;
  accountId: string;
  inputTagKey: string;
  outputTagKey: string;
}

export class Projection {
  private readonly configCache = new WeakMap<CatalogEntry, FunctionConfig>();

  constructor(private readonly o: ProjectionOptions) {}

  schemaArn(name: string, kind: 'input' | 'output'): string {
    return `arn:aws:schemas:${this.o.region}:${this.o.accountId}:schema/local/${name}-${kind}`;
  }

  tagsOf(entry: CatalogEntry): Tags {
    const tags: Tags = { ...entry.spec.tags };
    if (entry.spec.inputSchema) tags[this.o.inputTagKey] = this.schemaArn(entry.spec.name, 'input');
    if (entry.spec.outputSchema) tags[this.o.outputTagKey] = this.schemaArn(entry.spec.name, 'output');
    return tags;
  }

  toConfig(entry: CatalogEntry): FunctionConfig {
    const cached = this.configCache.get(entry);
    if (cached) return cached;
    const s = entry.spec;
    const config: FunctionConfig = {
      name: s.name,
      arn: functionArn(this.o.region, this.o.accountId, s.name),
      runtime: s.runtime,
      description: s.description,
      handler: s.handler,
      timeoutSeconds: s.timeoutSeconds,
      memorySizeMb: s.memorySizeMb,
      lastModified: lambdaTimestamp(s.lastModifiedMs),
      version: '$LATEST',
      state: 'Active',
      packageType: 'Zip',
      architectures: [architecture()],
      logGroup: `/aws/lambda/${s.name}`,
      logFormat: 'Text',
      ...(s.reservedConcurrency !== undefined ? { reservedConcurrency: s.reservedConcurrency } : {}),
      tags: this.tagsOf(entry),
    };
    this.configCache.set(entry, config);
    return config;
  }

  /** DescribeSchema for the registry "local"; `find` looks a function up by name. */
  async describeSchema(
    ref: SchemaRef,
    find: (name: string) => Promise<CatalogEntry | { problem: string } | undefined>,
  ): Promise<RawSchemaDocument> {
    const missing = (what: string) =>
      new LambdaMcpError('SCHEMA_NOT_FOUND', what, {
        details: { registryName: ref.registryName, schemaName: ref.schemaName },
      });
    if (ref.registryName !== 'local') {
      throw missing(
        `Registry with name ${ref.registryName} does not exist. The local backend serves the registry "local".`,
      );
    }
    const match = /^(.+)-(input|output)$/.exec(ref.schemaName);
    const name = match?.[1];
    const kind = match?.[2] as 'input' | 'output' | undefined;
    const found = name ? await find(name) : undefined;
    const schema =
      found && !('problem' in found)
        ? kind === 'input'
          ? found.spec.inputSchema
          : found.spec.outputSchema
        : undefined;
    if (!found || 'problem' in found || !schema || !name || !kind) {
      throw missing(`Schema with name ${ref.schemaName} does not exist.`);
    }
    if (ref.schemaVersion !== undefined && ref.schemaVersion !== '1') {
      throw missing(
        `Schema ${ref.schemaName} has no version ${ref.schemaVersion}; local schemas have version 1.`,
      );
    }
    return {
      registryName: 'local',
      schemaName: ref.schemaName,
      schemaArn: this.schemaArn(name, kind),
      schemaVersion: '1',
      // The registry knows two types; JSON Schema content keeps its own $schema, which wins.
      type: 'openapi' in schema ? 'OpenApi3' : 'JSONSchemaDraft4',
      content: JSON.stringify(schema, null, 2),
      lastModified: new Date(found.spec.lastModifiedMs).toISOString(),
      description: `${kind === 'input' ? 'Input' : 'Output'} schema of the local function ${name}`,
    };
  }
}

/** The Invoke answer for a finished invocation. */
export function toResult(
  inv: Invocation,
  answer: Answer,
  request: BackendInvokeRequest,
): BackendInvokeResult {
  const body = answer.error ? JSON.stringify(answer.error) : (answer.body ?? 'null');
  return {
    statusCode: 200,
    // A Buffer is a Uint8Array: no copy of the body.
    payload: Buffer.from(body, 'utf8'),
    ...(answer.error ? { functionError: 'Unhandled' } : {}),
    ...(request.logType === 'Tail' ? { logResult: logTail(inv.tail.join('')) } : {}),
    executedVersion: '$LATEST',
    requestId: inv.record.requestId,
  };
}
