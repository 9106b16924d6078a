import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetResourcesCommand, paginateGetResources } from '@aws-sdk/client-resource-groups-tagging-api';
import { DescribeSchemaCommand } from '@aws-sdk/client-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator, syntheticCatalog } from '../src/index.js';
import { encode, FUNCTIONS_DIR, sdkClients, waitFor } from './helpers.js';

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('emulated Schemas, CloudWatch, Logs and Tagging over the real SDK clients', () => {
  let emulator: Emulator;
  let clients: ReturnType<typeof sdkClients>;
  const t0 = new Date();

  beforeAll(async () => {
    emulator = await startEmulator({
      functionsDir: FUNCTIONS_DIR,
      synthetic: syntheticCatalog({ count: 250, matching: 120, matchTags: { team: 'ai' }, prefix: 'syn-' }),
      schemas: [
        {
          registryName: 'discovered-schemas',
          schemaName: 'order@NewOrder',
          schemaVersion: '9',
          type: 'OpenApi3',
          content: '{"openapi":"3.0.0"}',
          schemaArn: 'arn:aws:schemas:us-east-1:434418839121:schema/discovered-schemas/order@NewOrder',
        },
      ],
    });
    clients = sdkClients(emulator.url);
    // Some history for metrics and logs: 3 successes and 2 errors of "fail".
    for (const payload of [{}, {}, {}, { fail: 'a' }, { fail: 'b' }]) {
      await clients.lambda.send(new InvokeCommand({ FunctionName: 'fail', Payload: encode(payload) }));
    }
  });
  afterAll(async () => {
    clients.destroy();
    await emulator.close();
  });

  it('DescribeSchema serves a local function schema and extra registry documents', async () => {
    const local = await clients.schemas.send(
      new DescribeSchemaCommand({ RegistryName: 'local', SchemaName: 'echo-input' }),
    );
    expect(local.Type).toBe('JSONSchemaDraft4');
    expect(JSON.parse(local.Content ?? '{}').required).toEqual(['message']);
    expect(local.SchemaVersion).toBe('1');
    expect(local.LastModified).toBeInstanceOf(Date);
    const openapi = await clients.schemas.send(
      new DescribeSchemaCommand({ RegistryName: 'local', SchemaName: 'analytics-input' }),
    );
    expect(openapi.Type).toBe('OpenApi3');
    const extra = await clients.schemas.send(
      new DescribeSchemaCommand({
        RegistryName: 'discovered-schemas',
        SchemaName: 'order@NewOrder',
        SchemaVersion: '9',
      }),
    );
    expect(extra.SchemaArn).toBe(
      'arn:aws:schemas:us-east-1:434418839121:schema/discovered-schemas/order@NewOrder',
    );
    const missing = await failure(
      clients.schemas.send(new DescribeSchemaCommand({ RegistryName: 'local', SchemaName: 'nope' })),
    );
    expect(missing.name).toBe('NotFoundException');
    expect((missing.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
  });

  it('GetMetricData answers from the runtime records, ascending or descending, paged by MaxDatapoints', async () => {
    const query = (id: string, metric: string, stat: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: 'fail' }],
        },
        Period: 60,
        Stat: stat,
      },
    });
    const start = new Date(t0.getTime() - 3_600_000);
    const end = new Date(Date.now() + 120_000);
    const out = await clients.cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          query('inv', 'Invocations', 'Sum'),
          query('err', 'Errors', 'Sum'),
          query('p99', 'Duration', 'p99'),
        ],
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampAscending',
      }),
    );
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r]));
    const sum = (values: number[] | undefined) => (values ?? []).reduce((a, b) => a + b, 0);
    expect(sum(byId.inv?.Values)).toBe(5);
    expect(sum(byId.err?.Values)).toBe(2);
    expect(byId.p99?.Values?.length).toBeGreaterThan(0);
    expect(byId.inv?.Timestamps?.[0]).toBeInstanceOf(Date);
    expect(byId.inv?.StatusCode).toBe('Complete');
    expect(out.Messages).toEqual([]);

    // One datapoint a page: the paginator follows NextToken and PartialData marks unfinished results.
    const pages: number[] = [];
    let token: string | undefined;
    do {
      const page = await clients.cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [query('inv', 'Invocations', 'Sum')],
          StartTime: start,
          EndTime: end,
          MaxDatapoints: 1,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      pages.push(sum(page.MetricDataResults?.[0]?.Values));
      token = page.NextToken;
    } while (token && pages.length < 100);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('GetMetricData errors carry the query-compatible code', async () => {
    const error = await failure(
      clients.cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'Bad-Id',
              MetricStat: {
                Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
          StartTime: new Date(Date.now() - 60_000),
          EndTime: new Date(),
        }),
      ),
    );
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(error.Type).toBe('Sender');
    const reversed = await failure(
      clients.cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'a',
              MetricStat: {
                Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
          StartTime: new Date(),
          EndTime: new Date(Date.now() - 60_000),
        }),
      ),
    );
    expect(reversed.name).toBe('InvalidParameterValueException');
    expect(reversed.Code).toBe('InvalidParameterValue');
  });

  it('FilterLogEvents returns the function log lines, pages with nextToken, and errors as AWS', async () => {
    await waitFor(
      async () => {
        const page = await clients.logs.send(
          new FilterLogEventsCommand({
            logGroupName: '/aws/lambda/fail',
            filterPattern: '"REPORT RequestId"',
          }),
        );
        return (page.events ?? []).length >= 5;
      },
      5_000,
      'REPORT lines of 5 invocations',
    );
    const errors = await clients.logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/aws/lambda/fail',
        filterPattern: '?ERROR ?Task ?timed',
        startTime: t0.getTime() - 1000,
      }),
    );
    expect((errors.events ?? []).length).toBeGreaterThanOrEqual(2);
    expect(errors.events?.[0]?.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const first = await clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fail', limit: 2 }),
    );
    expect(first.events).toHaveLength(2);
    expect(first.nextToken).toBeTruthy();
    const second = await clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fail', limit: 2, nextToken: first.nextToken }),
    );
    expect(second.events?.[0]?.eventId).not.toBe(first.events?.[0]?.eventId);
    const noGroup = await failure(
      clients.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/none' })),
    );
    expect(noGroup.name).toBe('ResourceNotFoundException');
    expect(noGroup.message).toBe('The specified log group does not exist.');
    const badLimit = await failure(
      clients.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fail', limit: 10001 })),
    );
    expect(badLimit.name).toBe('InvalidParameterException');
    const badToken = await failure(
      clients.logs.send(
        new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fail', nextToken: 'forged' }),
      ),
    );
    expect(badToken.message).toBe('The specified nextToken is invalid.');
  });

  it('GetResources filters (AND across keys, OR within values), 100 a page, "" on the last page', async () => {
    const pages = [];
    for await (const page of paginateGetResources(
      { client: clients.tagging, pageSize: 100 },
      { TagFilters: [{ Key: 'team', Values: ['ai', 'core'] }], ResourceTypeFilters: ['lambda:function'] },
    )) {
      pages.push(page);
    }
    expect(pages.map((p) => p.ResourceTagMappingList?.length)).toEqual([100, 21]);
    expect(pages.at(-1)?.PaginationToken).toBe('');
    const and = await clients.tagging.send(
      new GetResourcesCommand({
        TagFilters: [
          { Key: 'team', Values: ['core'] },
          { Key: 'MCPEnabled', Values: ['true'] },
        ],
      }),
    );
    expect(and.ResourceTagMappingList?.map((r) => r.ResourceARN?.split(':').pop())).toEqual(['echo']);
    const keyOnly = await clients.tagging.send(
      new GetResourcesCommand({ TagFilters: [{ Key: 'MCPEnabled' }] }),
    );
    expect(keyOnly.ResourceTagMappingList?.map((r) => r.ResourceARN?.split(':').pop()).sort()).toEqual([
      'analytics',
      'echo',
      'fail',
    ]);
    expect(keyOnly.ResourceTagMappingList?.[0]?.Tags?.[0]).toHaveProperty('Key');
    const other = await clients.tagging.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['ec2:instance'] }),
    );
    expect(other.ResourceTagMappingList).toEqual([]);
    const bad = await failure(clients.tagging.send(new GetResourcesCommand({ ResourcesPerPage: 101 })));
    expect(bad.name).toBe('InvalidParameterException');
  });

  it('denies configured IAM actions with AccessDenied in each protocol', async () => {
    emulator.setDeny(['tag:GetResources', 'lambda:ListTags', 'logs:FilterLogEvents']);
    try {
      const tagging = await failure(clients.tagging.send(new GetResourcesCommand({})));
      expect(tagging.name).toBe('AccessDeniedException');
      const logs = await failure(
        clients.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fail' })),
      );
      expect(logs.name).toBe('AccessDeniedException');
      expect(logs.message).toContain('is not authorized to perform: logs:FilterLogEvents');
    } finally {
      emulator.setDeny([]);
    }
    const ok = await clients.tagging.send(new GetResourcesCommand({}));
    expect(ok.ResourceTagMappingList?.length).toBeGreaterThan(0);
  });
});
