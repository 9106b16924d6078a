/**
 * monitor's metrics against moto (`moto_server`), which answers percentile statistics with a 500:
 * the MetricsService keeps every other series and gives the percentile series their own error,
 * instead of failing the whole report (issue 14.2).
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createServices, type Services } from '@lambda-mcp/core';
import { createAwsBackend } from '@lambda-mcp/core/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MotoServer, motoAvailability, startMoto } from './contract/moto.js';
import { zipFiles } from './contract/zip.js';
import { CREDENTIALS, REGION, sdkClients } from './helpers.js';

const moto = motoAvailability();

describe.skipIf(!moto.available)('metrics with a failing statistic (moto)', () => {
  let server: MotoServer;
  let services: Services;

  beforeAll(async () => {
    if (!moto.available) return;
    server = await startMoto(moto.command);
    const config = { endpoint: server.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    const iam = new IAMClient(config);
    const lambda = new LambdaClient(config);
    const clients = sdkClients(server.url);
    try {
      const role = await iam.send(
        new CreateRoleCommand({
          RoleName: 'lambda-mcp-metrics',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          }),
        }),
      );
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'metrics-fn',
          Runtime: 'nodejs20.x',
          Role: role.Role?.Arn,
          Handler: 'index.handler',
          Code: { ZipFile: zipFiles({ 'index.js': 'exports.handler = async () => ({});\n' }) },
        }),
      );
      const dims = [{ Name: 'FunctionName', Value: 'metrics-fn' }];
      const now = Date.now();
      await clients.cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/Lambda',
          MetricData: [0, 1, 2].flatMap((i) => [
            {
              MetricName: 'Invocations',
              Dimensions: dims,
              Value: 1,
              Unit: 'Count' as const,
              Timestamp: new Date(now - i * 30_000),
            },
            {
              MetricName: 'Errors',
              Dimensions: dims,
              Value: i === 0 ? 1 : 0,
              Unit: 'Count' as const,
              Timestamp: new Date(now - i * 30_000),
            },
            {
              MetricName: 'Duration',
              Dimensions: dims,
              Value: 10 + i / 3,
              Unit: 'Milliseconds' as const,
              Timestamp: new Date(now - i * 30_000),
            },
          ]),
        }),
      );
    } finally {
      iam.destroy();
      lambda.destroy();
      clients.destroy();
    }
    const backend = await createAwsBackend({
      region: REGION,
      endpoint: server.url,
      credentials: CREDENTIALS,
    });
    services = createServices({ backend, config: { backend: 'aws', region: REGION, diskCache: false } });
  }, 120_000);
  afterAll(async () => {
    await services?.close();
    await server?.stop();
  });

  it('returns the series moto can answer and an error of its own for each percentile', async () => {
    const end = new Date(Date.now() + 60_000);
    const report = await services.metrics.getMetrics({
      functionName: 'metrics-fn',
      start: new Date(end.getTime() - 30 * 60_000),
      end,
      metrics: ['Invocations', 'Errors', 'Duration'],
    });
    expect(report.summary.invocations).toBe(3);
    expect(report.summary.errors).toBe(1);
    expect(report.summary.errorRate).toBe(0.3333);
    expect(report.series.duration?.average.length).toBeGreaterThan(0);
    for (const p of report.series.duration?.average ?? [])
      expect(Math.round(p.value * 100) / 100).toBe(p.value);
    expect(report.series.duration?.maximum.length).toBeGreaterThan(0);
    expect(Object.keys(report.seriesErrors ?? {}).sort()).toEqual([
      'duration.p50',
      'duration.p90',
      'duration.p99',
    ]);
    for (const e of Object.values(report.seriesErrors ?? {})) {
      expect(e.code).toBeTruthy();
      expect(e.message).not.toMatch(/\$response|Deserialization|at .*\.js/);
    }
    expect(report.problems?.some((p) => p.includes('3 series could not be read'))).toBe(true);
  });
});
