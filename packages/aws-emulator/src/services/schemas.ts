/** EventBridge Schema Registry (restJson1): DescribeSchema. */
import { isLambdaMcpError, type RawSchemaDocument } from '@lambda-mcp/core';
import type { EmulatorState } from '../state.js';
import { type Handled, jsonBody, WireError, type WireRequest } from '../wire.js';

const DESCRIBE = /\/v1\/registries\/name\/([^/]+)\/schemas\/name\/([^/]+)\/?$/;

export function routeSchemas(req: Pick<WireRequest, 'method' | 'rawPath'>): {
  operation: 'DescribeSchema' | 'Unknown';
  registryName?: string;
  schemaName?: string;
} {
  const m = req.method === 'GET' ? DESCRIBE.exec(req.rawPath) : null;
  if (!m) return { operation: 'Unknown' };
  return {
    operation: 'DescribeSchema',
    registryName: decodeURIComponent(m[1] as string),
    schemaName: decodeURIComponent(m[2] as string),
  };
}

export function schemaKey(registryName: string, schemaName: string, version?: string): string {
  return version ? `${registryName}/${schemaName}@${version}` : `${registryName}/${schemaName}`;
}

function isoTime(value: string | undefined): string {
  const t = value ? Date.parse(value.replace(/\+0000$/, 'Z')) : Number.NaN;
  return new Date(Number.isNaN(t) ? 0 : t).toISOString();
}

export async function handleSchemas(
  req: WireRequest,
  state: EmulatorState,
  route: ReturnType<typeof routeSchemas>,
): Promise<Handled> {
  if (route.operation !== 'DescribeSchema' || !route.registryName || !route.schemaName) {
    throw new WireError(404, 'NotFoundException', `No Schemas operation for ${req.method} ${req.rawPath}`);
  }
  const version = req.query.get('schemaVersion') ?? undefined;
  let doc: RawSchemaDocument | undefined = state.schemas.get(
    schemaKey(route.registryName, route.schemaName, version),
  );
  if (!doc && version) {
    const latest = state.schemas.get(schemaKey(route.registryName, route.schemaName));
    if (latest && latest.schemaVersion === version) doc = latest;
  }
  if (!doc) {
    try {
      doc = await state.backend.describeSchema({
        registryName: route.registryName,
        schemaName: route.schemaName,
        ...(version ? { schemaVersion: version } : {}),
      });
    } catch (error) {
      if (
        isLambdaMcpError(error) &&
        ['SCHEMA_NOT_FOUND', 'FUNCTION_NOT_FOUND', 'INVALID_REQUEST'].includes(error.code)
      ) {
        throw new WireError(
          404,
          'NotFoundException',
          version
            ? `Schema version ${version} of ${route.schemaName} does not exist in registry ${route.registryName}.`
            : `Schema ${route.schemaName} does not exist in registry ${route.registryName}.`,
        );
      }
      throw error;
    }
  }
  const modified = isoTime(doc.lastModified);
  const body = {
    Content: doc.content,
    ...(doc.description ? { Description: doc.description } : {}),
    LastModified: modified,
    SchemaArn:
      doc.schemaArn ??
      `arn:aws:schemas:${state.region}:${state.accountId}:schema/${doc.registryName}/${doc.schemaName}`,
    SchemaName: doc.schemaName,
    SchemaVersion: doc.schemaVersion ?? '1',
    tags: {},
    Type: doc.type,
    VersionCreatedDate: modified,
  };
  return {
    status: 200,
    operation: 'DescribeSchema',
    headers: { 'content-type': 'application/json' },
    body: jsonBody(body),
  };
}
