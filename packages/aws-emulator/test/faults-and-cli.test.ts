import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { decideFault } from '../src/faults.js';
import { startEmulator, syntheticCatalog } from '../src/index.js';
import { encode, FUNCTIONS_DIR, HERE, sdkClients, waitFor } from './helpers.js';

describe('fault injection', () => {
  it('decides the same faults for the same seed and request numbers, others for another seed', () => {
    const faults = { throttleRate: 0.2, serverErrorRate: 0.1, dropRate: 0.05, jitterMs: 10, latencyMs: 5 };
    const run = (seed: number) =>
      Array.from({ length: 500 }, (_, i) => decideFault(faults, seed, i + 1, 'lambda', 'Invoke'));
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
    const decisions = run(42);
    const share = (kind: string) => decisions.filter((d) => d.fault === kind).length / decisions.length;
    expect(share('throttle')).toBeGreaterThan(0.12);
    expect(share('throttle')).toBeLessThan(0.28);
    expect(share('server-error')).toBeGreaterThan(0.04);
    expect(share('drop')).toBeGreaterThan(0.01);
    expect(decisions.every((d) => d.delayMs >= 5 && d.delayMs < 15)).toBe(true);
    // Faults limited to some operations leave the others alone (latency still applies).
    const other = decideFault(
      { ...faults, throttleRate: 1, operations: ['Invoke'] },
      42,
      1,
      'lambda',
      'ListFunctions',
    );
    expect(other.fault).toBeUndefined();
    expect(other.delayMs).toBeGreaterThanOrEqual(5);
  });

  it('replays the same fault sequence over HTTP for the same seed', async () => {
    const outcomes = async (seed: number) => {
      const emulator = await startEmulator({
        synthetic: syntheticCatalog({ count: 3 }),
        faults: { throttleRate: 0.3, serverErrorRate: 0.2, operations: ['Invoke'] },
        seed,
      });
      const clients = sdkClients(emulator.url);
      try {
        for (let i = 0; i < 30; i++) {
          await clients.lambda
            .send(new InvokeCommand({ FunctionName: 'fn-0', Payload: encode({ i }) }))
            .catch(() => undefined);
        }
        return emulator.requests.map((r) => `${r.status}:${r.fault ?? '-'}`);
      } finally {
        clients.destroy();
        await emulator.close();
      }
    };
    const first = await outcomes(7);
    expect(first).toEqual(await outcomes(7));
    expect(first.some((o) => o.startsWith('429'))).toBe(true);
    expect(first.some((o) => o.startsWith('500'))).toBe(true);
    expect(first.some((o) => o.startsWith('200'))).toBe(true);
  });

  it('stalls: never answers until the client gives up, then serves again when the stall is lifted', async () => {
    const emulator = await startEmulator({
      synthetic: syntheticCatalog({ count: 2 }),
      faults: { stallRate: 1, operations: ['ListFunctions'] },
    });
    const clients = sdkClients(emulator.url);
    try {
      const started = performance.now();
      const outcome = await clients.lambda
        .send(new ListFunctionsCommand({}), { abortSignal: AbortSignal.timeout(400) })
        .then(
          () => 'answered',
          (error: Error) => error.name,
        );
      expect(outcome).toBe('AbortError');
      expect(performance.now() - started).toBeGreaterThanOrEqual(350);
      await waitFor(
        () => emulator.requests[0]?.durationMs !== undefined,
        5_000,
        'the stalled request to end',
      );
      expect(emulator.requests[0]).toMatchObject({ operation: 'ListFunctions', fault: 'stall', status: 0 });
      // Other operations are not stalled; lifting the stall serves ListFunctions again.
      emulator.setFaults(undefined);
      const page = await clients.lambda.send(new ListFunctionsCommand({}));
      expect(page.Functions).toHaveLength(2);
    } finally {
      clients.destroy();
      await emulator.close();
    }
  });

  it('adds the configured latency to every response', async () => {
    const emulator = await startEmulator({
      synthetic: syntheticCatalog({ count: 2 }),
      faults: { latencyMs: 60 },
    });
    const clients = sdkClients(emulator.url);
    try {
      const started = performance.now();
      await clients.lambda.send(new ListFunctionsCommand({}));
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
      expect(emulator.requests[0]?.durationMs).toBeGreaterThanOrEqual(55);
    } finally {
      clients.destroy();
      await emulator.close();
    }
  });
});

describe('emulator CLI', () => {
  const cli = join(HERE, '..', 'dist', 'cli.js');
  it('is built (turbo builds before testing; otherwise run pnpm --filter @lambda-mcp/aws-emulator build)', () => {
    expect(existsSync(cli)).toBe(true);
  });

  it('serves local functions on the given port until SIGTERM, with control endpoints', async () => {
    const child = spawn(
      process.execPath,
      [cli, '--functions', FUNCTIONS_DIR, '--synthetic', '20', '--matching', '5', '--port', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    try {
      await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.test(out), 10_000, 'the CLI to listen');
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] as string;
      const health = await fetch(`${url}/_emulator/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', region: 'us-east-1' });
      const clients = sdkClients(url);
      try {
        const page = await clients.lambda.send(new ListFunctionsCommand({}));
        expect(page.Functions?.map((f) => f.FunctionName)).toContain('echo');
        await clients.lambda.send(
          new InvokeCommand({ FunctionName: 'echo', Payload: encode({ message: 'cli' }) }),
        );
      } finally {
        clients.destroy();
      }
      const executions = await (await fetch(`${url}/_emulator/executions/echo`)).json();
      expect(executions).toEqual({ functionName: 'echo', executions: 1 });
      const faults = await fetch(`${url}/_emulator/faults`, {
        method: 'POST',
        body: JSON.stringify({ faults: { latencyMs: 5 } }),
      });
      expect(await faults.json()).toMatchObject({ faults: { latencyMs: 5 } });
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });

  it('refuses a bad option with one clear line and exit code 2', async () => {
    const child = spawn(process.execPath, [cli, '--latency', 'soon', '--synthetic', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--latency must be a number from 0 to 600000, got "soon"');
  });
});
