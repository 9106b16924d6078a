#!/usr/bin/env node
/**
 * aws-emulator: serve local functions (and/or a synthetic catalog) over the AWS wire protocols.
 *   node packages/aws-emulator/dist/cli.js --functions examples/functions --port 4566
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createStreamLogger } from '@lambda-mcp/core';
import { startEmulator } from './emulator.js';
import type { FaultOptions } from './faults.js';
import { parsePolicy } from './iam.js';
import { syntheticCatalog } from './synthetic.js';

const HELP = `Usage: aws-emulator [options]

Serves Lambda, Schemas, CloudWatch, CloudWatch Logs, the Tagging API and STS on 127.0.0.1,
backed by the local runtime.

Options:
  --functions DIR        directory of local functions (function.json + handler)
  --synthetic N          add N functions without code (echo handlers)
  --matching M           of those, M get the tag given by --match-tag (default MCPEnabled=true)
  --match-tag K=V        tag of the matching synthetic functions
  --port PORT            port (default 4566; 0 for any free port)
  --host HOST            address (default 127.0.0.1)
  --region REGION        region (default us-east-1)
  --latency MS           latency added to every response
  --jitter MS            extra random latency in [0, MS)
  --throttle-rate R      share of requests answered 429 (0..1)
  --error-rate R         share of requests answered 5xx (0..1)
  --drop-rate R          share of connections dropped (0..1)
  --stall-rate R         share of requests never answered (connection held open, silent) (0..1)
  --fault-ops OPS        only these operations get faults (comma separated, e.g. Invoke)
  --seed N               seed of the fault decisions (default 1)
  --deny ACTIONS         IAM actions to refuse (comma separated, e.g. tag:GetResources)
  --policy FILE          an IAM identity policy (JSON) to enforce, e.g. docs/iam/explicit-list.json
  --quotas               enforce Lambda's control-plane request quotas (15/s; GetFunction 100/s)
  --list-cache-ms MS     reuse one read of the functions for paged calls this long (default 200)
  --verbose              log requests to stderr
  -h, --help             this help

Point clients at it: AWS_ENDPOINT_URL=http://127.0.0.1:PORT AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test. Control endpoints: GET /_emulator/health,
GET /_emulator/requests, GET /_emulator/executions/NAME, POST /_emulator/faults, POST /_emulator/deny.
`;

function fail(message: string): never {
  process.stderr.write(`aws-emulator: ${message}\n${'Run with --help for the options.'}\n`);
  process.exit(2);
}

function num(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    fail(`--${name} must be a number from ${min} to ${max}, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      options: {
        functions: { type: 'string' },
        synthetic: { type: 'string' },
        matching: { type: 'string' },
        'match-tag': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        region: { type: 'string' },
        latency: { type: 'string' },
        jitter: { type: 'string' },
        'throttle-rate': { type: 'string' },
        'error-rate': { type: 'string' },
        'drop-rate': { type: 'string' },
        'stall-rate': { type: 'string' },
        'fault-ops': { type: 'string' },
        seed: { type: 'string' },
        deny: { type: 'string' },
        policy: { type: 'string' },
        quotas: { type: 'boolean' },
        'list-cache-ms': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) {
    process.stdout.write(HELP);
    return;
  }
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const count = num('synthetic', str('synthetic'), 0, 1_000_000);
  let matchTags: Record<string, string> | undefined;
  const matchTag = str('match-tag');
  if (matchTag !== undefined) {
    const eq = matchTag.indexOf('=');
    if (eq <= 0) fail(`--match-tag must be KEY=VALUE, got "${matchTag}"`);
    matchTags = { [matchTag.slice(0, eq)]: matchTag.slice(eq + 1) };
  }
  if (!str('functions') && !count) fail('give --functions DIR and/or --synthetic N');
  const faults: FaultOptions = {};
  const latency = num('latency', str('latency'), 0, 600_000);
  const jitter = num('jitter', str('jitter'), 0, 600_000);
  const throttle = num('throttle-rate', str('throttle-rate'), 0, 1);
  const errors = num('error-rate', str('error-rate'), 0, 1);
  const drops = num('drop-rate', str('drop-rate'), 0, 1);
  const stalls = num('stall-rate', str('stall-rate'), 0, 1);
  if (latency !== undefined) faults.latencyMs = latency;
  if (jitter !== undefined) faults.jitterMs = jitter;
  if (throttle !== undefined) faults.throttleRate = throttle;
  if (errors !== undefined) faults.serverErrorRate = errors;
  if (drops !== undefined) faults.dropRate = drops;
  if (stalls !== undefined) faults.stallRate = stalls;
  const ops = str('fault-ops');
  if (ops)
    faults.operations = ops
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  let policy: string | undefined;
  const policyFile = str('policy');
  if (policyFile) {
    try {
      policy = readFileSync(policyFile, 'utf8');
      parsePolicy(policy);
    } catch (error) {
      fail(`--policy ${policyFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const logger = createStreamLogger({ level: v.verbose ? 'debug' : 'warn', format: 'pretty' });
  const emulator = await startEmulator({
    ...(str('functions') ? { functionsDir: str('functions') as string } : {}),
    ...(count
      ? {
          synthetic: syntheticCatalog({
            count,
            matching: num('matching', str('matching'), 0, count) ?? 0,
            ...(matchTags ? { matchTags } : {}),
          }),
        }
      : {}),
    port: num('port', str('port'), 0, 65_535) ?? 4566,
    host: str('host') ?? '127.0.0.1',
    region: str('region') ?? 'us-east-1',
    faults,
    seed: num('seed', str('seed'), 0, 2 ** 32) ?? 1,
    listCacheMs: num('list-cache-ms', str('list-cache-ms'), 0, 86_400_000) ?? 200,
    deny: (str('deny') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(policy ? { policy } : {}),
    ...(v.quotas ? { quotas: true } : {}),
    logger,
  });
  process.stdout.write(`AWS emulator listening on ${emulator.url} (region ${emulator.region})\n`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`aws-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
