/**
 * Lean reads (core's src/aws/lean-read.ts) against the emulator with strict SigV4: the pages are
 * read without the SDK, signed as the SDK signs (the emulator recomputes every signature with
 * @smithy/signature-v4), and give the very catalog the SDK gives. What fails falls to the SDK,
 * which reports it as it always did; an endpoint that answers something else than the API is
 * never trusted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigInput } from '@lambda-mcp/core';
import { createAwsBackend } from '@lambda-mcp/core/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator, syntheticCatalog } from '../src/index.js';
import { CREDENTIALS, captureLogger, discoverOnce, listingModes, REGION } from './helpers.js';

const LEAN = 'lambda-mcp (lean read)';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({
    synthetic: syntheticCatalog({ count: 230, matching: 23 }),
    verifySignatures: { [CREDENTIALS.accessKeyId]: CREDENTIALS.secretAccessKey },
  });
});

afterAll(async () => {
  await emulator?.close();
});

const discover = (config: ConfigInput, leanReads: boolean) => discoverOnce(emulator, config, { leanReads });

describe("lean reads: the SDK's requests, signed as it signs, without it", () => {
  for (const [mode, config, expected] of listingModes(230, 23)) {
    it(`${mode}: the same catalog as through the SDK, every page read lean with a valid signature`, async () => {
      const lean = await discover(config, true);
      const sdk = await discover(config, false);
      expect(lean.catalog.functions).toHaveLength(expected);
      expect(lean.catalog.functions).toEqual(sdk.catalog.functions);
      expect(lean.catalog.fingerprint).toBe(sdk.catalog.fingerprint);

      const pages = lean.records.filter(
        (r) => r.operation === 'ListFunctions' || r.operation === 'GetResources',
      );
      expect(pages.length).toBeGreaterThan(0);
      for (const r of pages) {
        expect(r.userAgent).toBe(LEAN);
        expect(r.signatureValid).toBe(true);
        expect(r.status).toBe(200);
        expect(r.accessKeyId).toBe(CREDENTIALS.accessKeyId);
      }
      // Through the SDK: its own User-Agent on every request.
      for (const r of sdk.records) expect(r.userAgent).toMatch(/^aws-sdk-js\//);
      expect(lean.entries.filter((e) => e.level === 'warn')).toEqual([]);
    });
  }

  it('a denied tag:GetResources reaches the SDK, which falls back to ListTags as before', async () => {
    emulator.setDeny(['tag:GetResources']);
    try {
      const { catalog, records, entries } = await discover({}, true);
      expect(catalog.functions).toHaveLength(230);
      for (const fn of catalog.functions) expect(Object.keys(fn.tags ?? {}).length).toBeGreaterThan(0);
      const denied = records.filter((r) => r.operation === 'GetResources');
      // Once lean (denied), once by the SDK (denied): then ListTags, through the SDK.
      expect(denied.map((r) => (r.userAgent === LEAN ? 'lean' : 'sdk'))).toEqual(['lean', 'sdk']);
      for (const r of denied) expect(r.errorCode).toMatch(/AccessDenied/);
      expect(records.filter((r) => r.operation === 'ListTags').length).toBe(230);
      // The listing stayed lean: a denial is AWS's answer, not a reason to stop.
      for (const r of records.filter((r) => r.operation === 'ListFunctions')) expect(r.userAgent).toBe(LEAN);
      expect(entries.some((e) => /without the SDK got an unexpected answer/.test(e.message))).toBe(false);
      expect(entries.some((e) => /tag:GetResources is denied/.test(e.message))).toBe(true);
    } finally {
      emulator.setDeny([]);
    }
  });

  it('a throttled page is read again by the SDK, with its backoff, from its own marker', async () => {
    // Lambda's control-plane quota at 2 requests a second: the lean pages, sent back to back,
    // are throttled from the third on.
    emulator.setQuotas({ controlPlanePerSecond: 2 });
    try {
      const { catalog, records } = await discover({}, true);
      expect(catalog.functions).toHaveLength(230);
      const pages = records.filter((r) => r.operation === 'ListFunctions');
      expect(pages.filter((r) => r.status === 429 && r.userAgent === LEAN).length).toBeGreaterThan(0);
      // Not the listing again from the start: 230 functions are 5 pages, each answered once.
      expect(pages.filter((r) => r.status === 200)).toHaveLength(5);
    } finally {
      emulator.setQuotas(false);
    }
  }, 30_000);
});

describe('an explicit FUNCTION_LIST is read lean too (GetFunction)', () => {
  it('by name, ARN and partial ARN: the same catalog as through the SDK, each read lean and signed as the SDK signs; a missing one is reported through the SDK', async () => {
    const account = emulator.accountId;
    const config: ConfigInput = {
      functionList: [
        'fn-001',
        `arn:aws:lambda:${REGION}:${account}:function:fn-002`,
        `${account}:function:fn-003`,
        'fn-missing',
      ],
    };
    const lean = await discover(config, true);
    const sdk = await discover(config, false);
    expect(lean.catalog.functions.map((f) => f.name)).toEqual(['fn-001', 'fn-002', 'fn-003']);
    expect(lean.catalog.functions).toEqual(sdk.catalog.functions);
    expect(lean.catalog.fingerprint).toBe(sdk.catalog.fingerprint);
    // Tags come with GetFunction (the caller may ListTags): no ListTags, no SDK request at all for
    // the three that exist.
    for (const fn of lean.catalog.functions) expect(Object.keys(fn.tags ?? {}).length).toBeGreaterThan(0);
    const gets = lean.records.filter((r) => r.operation === 'GetFunction');
    const found = gets.filter((r) => r.status === 200);
    expect(found).toHaveLength(3);
    for (const r of found) {
      expect(r.userAgent).toBe(LEAN);
      expect(r.signatureValid).toBe(true);
    }
    // The missing one: 404 to the lean read, then the SDK's own request, whose answer is reported.
    const missing = gets.filter((r) => r.status !== 200);
    expect(missing.map((r) => (r.userAgent === LEAN ? 'lean' : 'sdk'))).toEqual(['lean', 'sdk']);
    for (const r of missing) expect(r.errorCode).toMatch(/ResourceNotFound/);
    expect(lean.records.filter((r) => r.operation === 'ListTags')).toEqual([]);
    // The same warnings either way, naming the missing function and why.
    const warnings = (run: typeof lean) =>
      run.entries
        .filter((e) => e.level === 'warn')
        .map((e) => [e.message, e.fields?.function, e.fields?.why]);
    expect(warnings(lean)).toEqual(warnings(sdk));
    expect(warnings(lean)).toContainEqual(['FUNCTION_LIST entry not read', 'fn-missing', 'no such function']);
  });
});

describe("lean reads never trust an answer that is not the API's", () => {
  let server: Server;
  let url: string;
  let answer: (path: string) => { status: number; body: string };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const { status, body } = answer(req.url ?? '/');
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const backend = async (maxReadResponseBytes?: number) => {
    const { logger, entries } = captureLogger();
    const b = await createAwsBackend({
      region: REGION,
      endpoint: url,
      credentials: CREDENTIALS,
      logger,
      maxAttempts: 1,
      ...(maxReadResponseBytes ? { maxReadResponseBytes } : {}),
    });
    return { b, entries };
  };
  const unexpected = (entries: Array<{ level: string; message: string }>) =>
    entries.filter((e) => e.level === 'warn' && /unexpected answer/.test(e.message)).length;

  it('a body that is not JSON, or a function with no name: the SDK reads it, and lean reads stop', async () => {
    for (const body of ['<html>proxy error</html>', '{"Functions":[{"FunctionName":5,"FunctionArn":"x"}]}']) {
      answer = () => ({ status: 200, body });
      const { b, entries } = await backend();
      // The SDK then reads the same answer and says what it makes of it; nothing crashes or hangs.
      await b.listFunctions().then(
        (fns) => expect(Array.isArray(fns)).toBe(true),
        (error) => expect(error).toHaveProperty('code'),
      );
      expect(unexpected(entries)).toBe(1);
      await b.listFunctions().catch(() => undefined);
      expect(unexpected(entries)).toBe(1);
      await b.close();
    }
  });

  it('an answer over the read limit is not read past it', async () => {
    const fn = { FunctionName: 'f', FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' };
    answer = () => ({
      status: 200,
      body: JSON.stringify({ Functions: Array.from({ length: 400 }, () => fn) }),
    });
    const { b, entries } = await backend(4_096);
    await expect(b.listFunctions()).rejects.toHaveProperty('code');
    expect(unexpected(entries)).toBe(1);
    await b.close();
  });
});
