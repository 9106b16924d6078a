/**
 * The AWS backend contract against moto (`moto_server`), an independent implementation of the AWS
 * wire protocols. moto is seeded through its normal APIs: IAM CreateRole, Lambda CreateFunction
 * (a small zip built here) with Tags, CloudWatch PutMetricData, Logs CreateLogGroup /
 * CreateLogStream / PutLogEvents.
 *
 * What moto cannot do, so the contract does not ask it (the emulator tests cover these):
 * - ListFunctions pagination: moto ignores MaxItems/Marker and answers everything in one page.
 * - Percentile statistics (p50/p90/p99): GetMetricData fails with a 500; only Sum, Average,
 *   Maximum, Minimum and SampleCount are asked here.
 * - Invoke: in its default mode it needs Docker (every invoke answers FunctionError "Handled"); its
 *   no-Docker mode echoes payloads, answers 200 for missing functions and hides functions from
 *   GetResources. So the function activity is seeded as metrics and log lines instead.
 * - Schemas: no EventBridge Schema Registry backend at all.
 * - LoggingConfig: ignored by CreateFunction (no custom log groups).
 * - Filter patterns: quoted terms work; `?A ?B` alternatives and space-delimited patterns such as
 *   `[type="REPORT", ...]` match every event. The contract uses quoted terms only.
 * - Its LastModified reads "…000Z" (AWS writes "+0000"); both are passed through unchanged.
 * - GetResources omits PaginationToken on the last page where AWS sends "".
 */
import { randomBytes } from 'node:crypto';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mapWithConcurrency } from '@lambda-mcp/core/internal';
import { describeAwsBackendContract } from './contract/aws-backend-contract.js';
import { type MotoServer, motoAvailability, startMoto } from './contract/moto.js';
import { zipFiles } from './contract/zip.js';
import { CREDENTIALS, REGION } from './helpers.js';

const moto = motoAvailability();
if (!moto.available) {
  console.warn(
    `[moto-contract] SKIPPED: ${moto.reason}. Install moto (pip install "moto[server]") to run the AWS backend contract against it.`,
  );
}

describeAwsBackendContract(
  'moto',
  async () => {
    if (!moto.available) throw new Error('unreachable: skipped');
    const server: MotoServer = await startMoto(moto.command);
    const config = { endpoint: server.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    return {
      endpoint: server.url,
      async seed(functions, activity) {
        const iam = new IAMClient(config);
        const lambda = new LambdaClient(config);
        const cloudWatch = new CloudWatchClient(config);
        const logs = new CloudWatchLogsClient(config);
        try {
          const role = await iam.send(
            new CreateRoleCommand({
              RoleName: 'lambda-mcp-contract',
              AssumeRolePolicyDocument: JSON.stringify({
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Principal: { Service: 'lambda.amazonaws.com' },
                    Action: 'sts:AssumeRole',
                  },
                ],
              }),
            }),
          );
          const zip = zipFiles({ 'index.js': 'exports.handler = async (event) => ({ ok: true, event });\n' });
          await mapWithConcurrency(functions, 8, async (f) => {
            await lambda.send(
              new CreateFunctionCommand({
                FunctionName: f.name,
                Runtime: 'nodejs22.x',
                Role: role.Role?.Arn,
                Handler: 'index.handler',
                Code: { ZipFile: zip },
                Description: f.description,
                Timeout: f.timeoutSeconds,
                MemorySize: f.memorySizeMb,
                ...(Object.keys(f.tags).length > 0 ? { Tags: f.tags } : {}),
              }),
            );
          });
          // The activity as Lambda would have reported it: metrics and log lines.
          const now = Date.now();
          const total = activity.successes + activity.errors;
          const dims = [{ Name: 'FunctionName', Value: activity.functionName }];
          const at = (i: number) => new Date(now - (total - i) * 20_000);
          const durations = Array.from({ length: total }, (_, i) => 5 + i * 3.5);
          await cloudWatch.send(
            new PutMetricDataCommand({
              Namespace: 'AWS/Lambda',
              MetricData: Array.from({ length: total }, (_, i) => [
                {
                  MetricName: 'Invocations',
                  Dimensions: dims,
                  Value: 1,
                  Unit: 'Count' as const,
                  Timestamp: at(i),
                },
                {
                  MetricName: 'Errors',
                  Dimensions: dims,
                  Value: i < activity.errors ? 1 : 0,
                  Unit: 'Count' as const,
                  Timestamp: at(i),
                },
                {
                  MetricName: 'Duration',
                  Dimensions: dims,
                  Value: durations[i],
                  Unit: 'Milliseconds' as const,
                  Timestamp: at(i),
                },
              ]).flat(),
            }),
          );
          const group = `/aws/lambda/${activity.functionName}`;
          const day = new Date(now).toISOString().slice(0, 10).replace(/-/g, '/');
          const stream = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
          await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
          await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
          const events: Array<{ timestamp: number; message: string }> = [];
          for (let i = 0; i < total; i++) {
            const id = `${randomBytes(4).toString('hex')}-0000-4000-8000-${randomBytes(6).toString('hex')}`;
            const t = at(i).getTime();
            const d = durations[i] ?? 1;
            events.push({ timestamp: t, message: `START RequestId: ${id} Version: $LATEST\n` });
            if (i < activity.errors) {
              events.push({
                timestamp: t + 1,
                message: `${new Date(t + 1).toISOString()}\t${id}\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"contract failure","stack":["Error: contract failure"]}\n`,
              });
            }
            events.push({ timestamp: t + 2, message: `END RequestId: ${id}\n` });
            events.push({
              timestamp: t + 2,
              message: `REPORT RequestId: ${id}\tDuration: ${d.toFixed(2)} ms\tBilled Duration: ${Math.ceil(d)} ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t\n`,
            });
          }
          await logs.send(
            new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }),
          );
        } finally {
          for (const c of [iam, lambda, cloudWatch, logs]) c.destroy();
        }
      },
      close: () => server.stop(),
    };
  },
  moto.available ? {} : { skip: moto.reason },
);
