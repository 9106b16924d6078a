import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ConfigInput, ConfigSchema } from '../../src/config/schema.js';
import { isErrorCode, isLambdaMcpError, LambdaMcpError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { catalogFingerprint, createDiscoveryService } from '../../src/services/discovery-service.js';
import type { Catalog, CatalogCacheStore, DiscoveryService } from '../../src/services/types.js';
import { formatFunctionKey } from '../../src/util/function-ref.js';
import {
  ACCOUNT,
  arnOf,
  captureLogger,
  createMemoryBackend,
  fn,
  type MemoryBackend,
} from './memory-backend.js';

const open: DiscoveryService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
  vi.useRealTimers();
});

function make(
  backend: MemoryBackend,
  config: ConfigInput = {},
  extra: { now?: () => number; catalogCache?: CatalogCacheStore } = {},
): DiscoveryService {
  const discovery = createDiscoveryService({
    backend,
    config: ConfigSchema.parse(config),
    logger: silentLogger,
    ...extra,
  });
  open.push(discovery);
  return discovery;
}

const names = (catalog: Catalog) => catalog.functions.map((f) => formatFunctionKey(f.name, f.qualifier));

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isLambdaMcpError(error)) return error.code;
    throw error;
  }
  return 'resolved';
}

function sampleBackend(): MemoryBackend {
  return createMemoryBackend({
    functions: [
      fn('team-a-echo'),
      fn('team-a-report', { runtime: 'python3.13' }),
      fn('team-b-calc'),
      fn('other'),
      fn('team-a-internal'),
      fn('team-a-image', { runtime: undefined, packageType: 'Image' }),
    ],
    tags: {
      'team-a-echo': {
        MCPEnabled: 'true',
        team: 'a',
        'lambda-mcp:input-schema-arn': 'arn:aws:schemas:us-east-1:123456789012:schema/r/echo',
      },
      'team-a-report': { MCPEnabled: 'true', team: 'a' },
      'team-b-calc': { MCPEnabled: 'false', team: 'b' },
      other: { MCPEnabled: 'true' },
      'team-a-internal': { MCPEnabled: 'true' },
    },
  });
}

describe('DiscoveryService filters', () => {
  it('exposes everything without filters, sorted, with tags and schema ARNs from tags', async () => {
    const backend = sampleBackend();
    const catalog = await make(backend).getCatalog();
    expect(names(catalog)).toEqual([
      'other',
      'team-a-echo',
      'team-a-image',
      'team-a-internal',
      'team-a-report',
      'team-b-calc',
    ]);
    const echo = catalog.functions.find((f) => f.name === 'team-a-echo');
    expect(echo?.tags.team).toBe('a');
    expect(echo?.inputSchemaArn).toBe('arn:aws:schemas:us-east-1:123456789012:schema/r/echo');
    expect(catalog.source).toBe('live');
  });

  it('ORs several prefixes', async () => {
    const catalog = await make(sampleBackend(), { functionPrefixes: ['team-b-', 'oth'] }).getCatalog();
    expect(names(catalog)).toEqual(['other', 'team-b-calc']);
  });

  it('takes an explicit list (names and ARNs of this account and region only)', async () => {
    const catalog = await make(sampleBackend(), {
      functionList: [
        'other',
        arnOf('team-b-calc'),
        'arn:aws:lambda:eu-west-1:123456789012:function:team-a-echo',
        `999999999999:function:team-a-report`,
      ],
    }).getCatalog();
    expect(names(catalog)).toEqual(['other', 'team-b-calc']);
  });

  it('ANDs tag filters, ORs values, and a key alone matches any value; tags are read with the filters', async () => {
    const backend = sampleBackend();
    const catalog = await make(backend, {
      tagFilters: [{ key: 'MCPEnabled' }, { key: 'team', values: ['a', 'b'] }],
    }).getCatalog();
    expect(names(catalog)).toEqual(['team-a-echo', 'team-a-report', 'team-b-calc']);
    expect(backend.calls.getTags[0]?.tagFilters).toEqual([
      { key: 'MCPEnabled' },
      { key: 'team', values: ['a', 'b'] },
    ]);
    const strict = await make(sampleBackend(), {
      tagFilters: [
        { key: 'MCPEnabled', values: ['true'] },
        { key: 'team', values: ['b'] },
      ],
    }).getCatalog();
    expect(names(strict)).toEqual([]);
  });

  it('filters by runtime (an image function has none)', async () => {
    const catalog = await make(sampleBackend(), { runtimes: ['python3.13'] }).getCatalog();
    expect(names(catalog)).toEqual(['team-a-report']);
  });

  it('excludes names and globs whatever else matches', async () => {
    const catalog = await make(sampleBackend(), {
      functionPrefixes: ['team-a-'],
      exclude: ['*-internal', 'team-a-i?age'],
    }).getCatalog();
    expect(names(catalog)).toEqual(['team-a-echo', 'team-a-report']);
  });

  it('selects by prefix or list (the union, as the official server), then requires tags and runtimes', async () => {
    const catalog = await make(sampleBackend(), {
      functionPrefixes: ['team-a-'],
      functionList: ['team-a-echo', 'team-a-report', 'other'],
      tagFilters: [{ key: 'MCPEnabled', values: ['true'] }],
      runtimes: ['nodejs20.x'],
    }).getCatalog();
    // other: listed; team-a-internal: prefix; team-a-report: python; team-a-image: no runtime.
    expect(names(catalog)).toEqual(['other', 'team-a-echo', 'team-a-internal']);
  });

  it('uses tags the backend already has and does not ask for them again', async () => {
    const backend = createMemoryBackend({
      functions: [fn('a', { tags: { k: 'v' } }), fn('b', { tags: {} })],
    });
    const catalog = await make(backend, { tagFilters: [{ key: 'k' }] }).getCatalog();
    expect(names(catalog)).toEqual(['a']);
    expect(backend.calls.getTags).toHaveLength(0);
  });

  it('explain() names the rule that excluded each function', async () => {
    const { included, excluded } = await make(sampleBackend(), {
      functionPrefixes: ['team-a-'],
      tagFilters: [{ key: 'MCPEnabled', values: ['true'] }],
      runtimes: ['nodejs20.x'],
      exclude: ['*-internal'],
    }).explain();
    expect(included.map((f) => f.name)).toEqual(['team-a-echo']);
    const reasons = Object.fromEntries(excluded.map((e) => [e.function.name, e.reason]));
    expect(reasons.other).toContain('prefix: name does not start with any of [team-a-]');
    expect(reasons['team-b-calc']).toMatch(/prefix: .*; tag: needs MCPEnabled=true \(has MCPEnabled=false\)/);
    expect(reasons['team-a-report']).toContain('runtime: "python3.13" is not one of [nodejs20.x]');
    expect(reasons['team-a-image']).toMatch(
      /runtime: no runtime \(container image\).*tag: needs MCPEnabled=true \(no tag MCPEnabled\)/,
    );
    expect(reasons['team-a-internal']).toBe('exclude: matches "*-internal"');
  });
});

describe('DiscoveryService FUNCTION_LIST qualifiers', () => {
  it('reads name:qualifier entries with getFunction and exposes only that qualifier', async () => {
    const backend = sampleBackend();
    backend.versions.set('team-a-echo:live', fn('team-a-echo', { version: '3', timeoutSeconds: 9 }));
    const discovery = make(backend, {
      functionList: ['team-a-echo:live', 'other', 'missing', 'team-b-calc:nope'],
    });
    const catalog = await discovery.getCatalog();
    expect(names(catalog)).toEqual(['other', 'team-a-echo:live']);
    expect(backend.calls.getFunction).toEqual(
      expect.arrayContaining(['team-a-echo:live', 'team-b-calc:nope']),
    );
    const live = catalog.functions.find((f) => f.qualifier === 'live');
    expect(live).toMatchObject({
      arn: arnOf('team-a-echo'),
      timeoutSeconds: 9,
      version: '3',
      tags: { team: 'a' },
    });
    expect(catalog.problems).toEqual(
      expect.arrayContaining([
        'FUNCTION_LIST entry "missing": no such function',
        'FUNCTION_LIST entry "team-b-calc:nope": qualifier "nope" does not exist',
      ]),
    );
    const { excluded } = await discovery.explain();
    expect(excluded.find((e) => e.function.name === 'team-a-echo' && !e.function.qualifier)?.reason).toBe(
      'function list: only listed with a qualifier (team-a-echo:live)',
    );
  });
});

describe('DiscoveryService catalog cache, refresh and change events', () => {
  it('reuses the catalog within the TTL and reads again after it', async () => {
    let clock = 1_000_000;
    const backend = sampleBackend();
    const discovery = make(backend, { cacheTtlSeconds: 60 }, { now: () => clock });
    await discovery.getCatalog();
    await discovery.getCatalog();
    expect(backend.calls.listFunctions).toBe(1);
    clock += 59_000;
    await discovery.getCatalog();
    expect(backend.calls.listFunctions).toBe(1);
    clock += 2_000;
    // Stale: served at once, re-read in the background (a caller never waits for a re-discovery).
    const stale = await discovery.getCatalog();
    expect(stale.source).toBe('live');
    await discovery.refresh(); // joins the background read
    expect(backend.calls.listFunctions).toBe(2);
    await discovery.getCatalog({ refresh: true });
    expect(backend.calls.listFunctions).toBe(3);
  });

  it('coalesces concurrent refreshes into one backend call', async () => {
    const backend = sampleBackend();
    backend.listDelayMs = 30;
    const discovery = make(backend);
    const results = await Promise.all([
      discovery.refresh(),
      discovery.refresh(),
      discovery.getCatalog(),
      discovery.getCatalog(),
      discovery.resolve('other'),
    ]);
    expect(backend.calls.listFunctions).toBe(1);
    expect((results[0] as Catalog).fingerprint).toBe((results[1] as Catalog).fingerprint);
  });

  it('emits a change event only when the catalog really changed', async () => {
    const backend = sampleBackend();
    const discovery = make(backend);
    const events: [Catalog, Catalog | undefined][] = [];
    discovery.onChange((c, p) => events.push([c, p]));
    const first = await discovery.refresh();
    expect(events).toHaveLength(0); // the first catalog is not a change
    backend.functions.reverse(); // same content, another order
    const same = await discovery.refresh();
    expect(same.fingerprint).toBe(first.fingerprint);
    expect(events).toHaveLength(0);
    backend.functions.push(fn('new-one'));
    const second = await discovery.refresh();
    expect(events).toHaveLength(1);
    expect(events[0]?.[1]?.fingerprint).toBe(first.fingerprint);
    expect(events[0]?.[0].fingerprint).toBe(second.fingerprint);
    backend.tags.set(arnOf('other'), { MCPEnabled: 'no' });
    await discovery.refresh();
    expect(events).toHaveLength(2);
  });

  it('unsubscribes listeners and survives a throwing listener', async () => {
    const backend = sampleBackend();
    const { logger, entries: lines } = captureLogger();
    const discovery = createDiscoveryService({ backend, config: ConfigSchema.parse({}), logger });
    open.push(discovery);
    let calls = 0;
    discovery.onChange(() => {
      throw new Error('listener bug');
    });
    const off = discovery.onChange(() => calls++);
    await discovery.refresh();
    backend.functions.push(fn('x1'));
    await discovery.refresh();
    off();
    backend.functions.push(fn('x2'));
    await discovery.refresh();
    expect(calls).toBe(1);
    expect(lines.some((l) => l.message === 'catalog change listener failed')).toBe(true);
  });

  it('keeps lastError, serves the last catalog while the backend fails, and clears it on success', async () => {
    let clock = 0;
    const backend = sampleBackend();
    const discovery = make(backend, { cacheTtlSeconds: 1 }, { now: () => clock });
    const first = await discovery.getCatalog();
    backend.failures.listFunctions = new LambdaMcpError(
      'ACCESS_DENIED',
      'not authorized to perform lambda:ListFunctions',
    );
    expect(await code(discovery.refresh())).toBe('ACCESS_DENIED');
    expect(discovery.lastError?.code).toBe('ACCESS_DENIED');
    clock += 5_000;
    expect((await discovery.getCatalog()).fingerprint).toBe(first.fingerprint); // stale, served
    expect(await code(discovery.refresh())).toBe('ACCESS_DENIED'); // the background read it started fails too
    backend.failures.listFunctions = undefined;
    await discovery.refresh();
    expect(discovery.lastError).toBeUndefined();
  });

  it('fails clearly when there is no catalog at all, and emits once discovery recovers', async () => {
    const backend = sampleBackend();
    backend.failures.listFunctions = new Error('socket hang up');
    const discovery = make(backend);
    const events: (Catalog | undefined)[] = [];
    discovery.onChange((_c, p) => events.push(p));
    expect(await code(discovery.getCatalog())).toBe('BACKEND_UNAVAILABLE');
    expect(discovery.lastError?.message).toContain('socket hang up');
    backend.failures.listFunctions = undefined;
    await discovery.getCatalog();
    expect(events).toEqual([undefined]);
  });

  it('reports unreadable tags as a problem when no tag filter needs them, and fails when one does', async () => {
    const backend = sampleBackend();
    backend.failures.getTags = new LambdaMcpError('ACCESS_DENIED', 'tag:GetResources denied');
    const catalog = await make(backend).getCatalog();
    expect(catalog.functions).toHaveLength(6);
    expect(catalog.problems?.[0]).toMatch(
      /tags could not be read \(ACCESS_DENIED: tag:GetResources denied\)/,
    );
    const filtered = make(backend, { tagFilters: [{ key: 'MCPEnabled' }] });
    expect(await code(filtered.getCatalog())).toBe('ACCESS_DENIED');
  });

  it('stops waiting when the caller aborts, without cancelling the shared refresh', async () => {
    const backend = sampleBackend();
    backend.listDelayMs = 50;
    const discovery = make(backend);
    const controller = new AbortController();
    const aborted = discovery.getCatalog({ signal: controller.signal });
    const other = discovery.getCatalog();
    controller.abort();
    expect(await code(aborted)).toBe('ABORTED');
    expect((await other).functions).toHaveLength(6);
    expect(backend.calls.listFunctions).toBe(1);
  });

  it('refreshes on an interval with an unref’d timer, and stops at 0', async () => {
    vi.useFakeTimers();
    const backend = sampleBackend();
    const discovery = make(backend);
    discovery.setRefreshInterval(10);
    await vi.advanceTimersByTimeAsync(35_000);
    expect(backend.calls.listFunctions).toBe(3);
    discovery.setRefreshInterval(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(backend.calls.listFunctions).toBe(3);
    expect(() => discovery.setRefreshInterval(-1)).toThrow(/Invalid refresh interval/);
  });
});

describe('DiscoveryService disk cache (stale-while-revalidate)', () => {
  function memoryStore(): CatalogCacheStore & { saved: Map<string, Catalog> } {
    const saved = new Map<string, Catalog>();
    return {
      saved,
      async load(scope) {
        return saved.get(scope);
      },
      async save(scope, catalog) {
        saved.set(scope, catalog);
      },
    };
  }

  it('answers at once from the cache, refreshes in the background, and emits when the live catalog differs', async () => {
    const store = memoryStore();
    const backend = sampleBackend();
    await make(backend, {}, { catalogCache: store }).getCatalog();
    await vi.waitFor(() => expect(store.saved.size).toBe(1));

    const restarted = sampleBackend();
    restarted.functions.push(fn('added-later'));
    restarted.listDelayMs = 100;
    const discovery = make(restarted, {}, { catalogCache: store });
    const changes: [Catalog, Catalog | undefined][] = [];
    discovery.onChange((c, p) => changes.push([c, p]));
    const first = await discovery.getCatalog();
    expect(first.source).toBe('cache');
    expect(first.functions).toHaveLength(6);
    // The background refresh starts a moment later (CACHE_REVALIDATE_DELAY_MS), so that loading
    // the AWS SDK does not delay the answers the cache is there for.
    expect(restarted.calls.listFunctions).toBe(0);
    await vi.waitFor(() => expect(restarted.calls.listFunctions).toBe(1), { timeout: 5_000 });
    await vi.waitFor(() => expect(changes).toHaveLength(1), { timeout: 5_000 });
    expect(changes[0]?.[1]?.source).toBe('cache');
    expect(changes[0]?.[0].functions).toHaveLength(7);
    expect((await discovery.getCatalog()).source).toBe('live');
  });

  it('close() waits for a pending save, so nothing writes into the cache after it', async () => {
    const saved: string[] = [];
    const slowStore: CatalogCacheStore = {
      async load() {
        return undefined;
      },
      async save(scope) {
        await new Promise((r) => setTimeout(r, 50));
        saved.push(scope);
      },
    };
    const discovery = createDiscoveryService({
      backend: sampleBackend(),
      config: ConfigSchema.parse({}),
      logger: silentLogger,
      catalogCache: slowStore,
    });
    await discovery.getCatalog();
    expect(saved).toHaveLength(0);
    await discovery.close();
    expect(saved).toHaveLength(1);
  });

  it('hands a catalog over before hashing it: the fingerprint is computed when first read, the log line and the save come after', async () => {
    const store = memoryStore();
    const infos: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const logger = {
      ...silentLogger,
      info(message: string, fields?: Record<string, unknown>) {
        infos.push({ message, ...(fields ? { fields } : {}) });
      },
      child() {
        return logger;
      },
    };
    const discovery = createDiscoveryService({
      backend: sampleBackend(),
      config: ConfigSchema.parse({}),
      logger,
      catalogCache: store,
    });
    open.push(discovery);
    const catalog = await discovery.getCatalog();
    // Handed over first: nothing has read the fingerprint yet.
    expect(infos.filter((l) => l.message === 'catalog refreshed')).toHaveLength(0);
    expect(store.saved.size).toBe(0);
    const descriptor = Object.getOwnPropertyDescriptor(catalog, 'fingerprint');
    expect(descriptor?.enumerable).toBe(true);
    expect(typeof descriptor?.get).toBe('function');
    // The same value as ever, kept once computed, and copied by a spread or JSON.
    const expected = catalogFingerprint(catalog.functions);
    expect(catalog.fingerprint).toBe(expected);
    expect({ ...catalog }.fingerprint).toBe(expected);
    expect(JSON.parse(JSON.stringify(catalog)).fingerprint).toBe(expected);
    await vi.waitFor(() => expect(store.saved.size).toBe(1));
    expect([...store.saved.values()][0]?.fingerprint).toBe(expected);
    expect(infos.find((l) => l.message === 'catalog refreshed')?.fields).toEqual({
      functions: catalog.functions.length,
      fingerprint: expected,
    });
  });

  it('never serves another scope’s catalog', async () => {
    const store = memoryStore();
    await make(sampleBackend(), {}, { catalogCache: store }).getCatalog();
    await vi.waitFor(() => expect(store.saved.size).toBe(1));
    const otherAccount = createMemoryBackend({
      functions: [fn('z')],
      scope: 'memory:999999999999:us-east-1',
    });
    const catalog = await make(otherAccount, {}, { catalogCache: store }).getCatalog();
    expect(catalog.source).toBe('live');
    expect(names(catalog)).toEqual(['z']);
    // Other filters are another scope too.
    const filtered = await make(
      sampleBackend(),
      { functionPrefixes: ['team-b-'] },
      { catalogCache: store },
    ).getCatalog();
    expect(filtered.source).toBe('live');
  });

  it('does not trust a cached catalog for the allowlist: resolve waits for the live one', async () => {
    const store = memoryStore();
    await make(sampleBackend(), {}, { catalogCache: store }).getCatalog();
    await vi.waitFor(() => expect(store.saved.size).toBe(1));
    const restarted = sampleBackend();
    restarted.functions = restarted.functions.filter((f) => f.name !== 'other');
    restarted.listDelayMs = 50;
    const discovery = make(restarted, {}, { catalogCache: store });
    expect((await discovery.getCatalog()).functions.some((f) => f.name === 'other')).toBe(true);
    expect(await code(discovery.resolve('other'))).toBe('FUNCTION_NOT_ALLOWED');
  });
});

describe('DiscoveryService.resolve: the allowlist', () => {
  const config: ConfigInput = {
    // FUNCTION_PREFIX or FUNCTION_LIST selects (the union): pinned only through its list entry.
    functionPrefixes: ['team-a-'],
    functionList: ['team-a-echo', 'pinned:live', 'team-a-secret'],
    exclude: ['team-a-secret'],
  };
  function allowlistBackend(): MemoryBackend {
    const backend = createMemoryBackend({
      functions: [fn('team-a-echo'), fn('team-a-secret'), fn('team-b-calc'), fn('pinned')],
    });
    backend.versions.set('pinned:live', fn('pinned', { version: '2' }));
    return backend;
  }

  it('resolves the allowed spellings', async () => {
    const d = make(allowlistBackend(), config);
    expect((await d.resolve('team-a-echo')).function.name).toBe('team-a-echo');
    expect(await d.resolve('team-a-echo:prod')).toMatchObject({ qualifier: 'prod' });
    expect(await d.resolve('team-a-echo', { qualifier: '$LATEST' })).toMatchObject({ qualifier: '$LATEST' });
    expect((await d.resolve(arnOf('team-a-echo'))).function.name).toBe('team-a-echo');
    expect((await d.resolve(`${ACCOUNT}:function:team-a-echo`)).function.name).toBe('team-a-echo');
    expect(await d.resolve('pinned')).toMatchObject({ qualifier: 'live', function: { qualifier: 'live' } });
    expect(await d.resolve('pinned:live')).toMatchObject({ qualifier: 'live' });
    expect(await d.resolve(`${arnOf('pinned')}:live`)).toMatchObject({ qualifier: 'live' });
  });

  const refused: [string, string, { qualifier?: string }?][] = [
    ['a function outside the filters', 'team-b-calc'],
    ['its full ARN', arnOf('team-b-calc')],
    ['its partial ARN', `${ACCOUNT}:function:team-b-calc`],
    ['its name with a qualifier', 'team-b-calc:prod'],
    ['its name with a qualifier option', 'team-b-calc', { qualifier: 'prod' }],
    ['an excluded function', 'team-a-secret'],
    ['an excluded function by ARN', arnOf('team-a-secret')],
    ['a case variant', 'Team-A-Echo'],
    ['an upper-case variant', 'TEAM-A-ECHO'],
    ['an allowed name in another account', 'arn:aws:lambda:us-east-1:999999999999:function:team-a-echo'],
    ['an allowed name in another region', `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:team-a-echo`],
    ['an allowed name in another partition', `arn:aws-cn:lambda:us-east-1:${ACCOUNT}:function:team-a-echo`],
    ['an allowed name as a partial ARN of another account', '999999999999:function:team-a-echo'],
    ['a pinned function with another qualifier', 'pinned:dev'],
    ['a pinned function with $LATEST', 'pinned:$LATEST'],
    ['a pinned function with another qualifier option', 'pinned', { qualifier: '1' }],
    ['a function that does not exist', 'nope'],
  ];
  it.each(refused)('refuses %s with FUNCTION_NOT_ALLOWED', async (_what, name, opts) => {
    const d = make(allowlistBackend(), config);
    expect(await code(d.resolve(name, opts))).toBe('FUNCTION_NOT_ALLOWED');
  });

  const malformed: [string, unknown, { qualifier?: string }?][] = [
    ['a leading space', ' team-a-echo'],
    ['a trailing space', 'team-a-echo '],
    ['a tab', 'team-a-echo\t'],
    ['a Cyrillic look-alike', 'team-\u0430-echo'],
    ['a fullwidth look-alike', 'team-a-ｅcho'],
    ['a zero-width joiner', 'team-a-\u200decho'],
    ['a name longer than 64', `team-a-${'e'.repeat(60)}`],
    ['an ARN longer than 170', `${arnOf('team-a-echo')}:${'q'.repeat(128)}`],
    ['a path', '../team-a-echo'],
    ['a glob', 'team-a-*'],
    ['a qualifier mismatch', 'team-a-echo:a', { qualifier: 'b' }],
    ['a malformed qualifier option', 'team-a-echo', { qualifier: 'a b' }],
    ['a number', 42],
    ['an empty name', ''],
  ];
  it.each(malformed)('refuses %s with INVALID_REQUEST', async (_what, name, opts) => {
    const d = make(allowlistBackend(), config);
    expect(await code(d.resolve(name as string, opts))).toBe('INVALID_REQUEST');
  });

  it('explains why in the message without listing other functions', async () => {
    const d = make(allowlistBackend(), config);
    await expect(d.resolve('Team-A-Echo')).rejects.toThrow(
      /not in the catalog of allowed functions \(names are case-sensitive\)/,
    );
    await expect(d.resolve('arn:aws:lambda:us-east-1:999999999999:function:team-a-echo')).rejects.toThrow(
      /serves account 123456789012 in region us-east-1 only/,
    );
    await expect(d.resolve('pinned:dev')).rejects.toThrow(
      /only qualifier\(s\) live of "pinned" are configured/,
    );
  });

  it('asks for a qualifier when several are pinned', async () => {
    const backend = allowlistBackend();
    backend.versions.set('pinned:beta', fn('pinned', { version: '3' }));
    const d = make(backend, { functionList: ['pinned:live', 'pinned:beta'] });
    await expect(d.resolve('pinned')).rejects.toThrow(/several qualifiers \(beta, live\): name one/);
    expect(isErrorCode(await d.resolve('pinned:beta').catch((e) => e), 'FUNCTION_NOT_ALLOWED')).toBe(false);
  });
});

describe('DiscoveryService: a stale catalog never blocks the allowlist', () => {
  it('resolves from the stale catalog at once, and finds a function that appeared once the re-read lands', async () => {
    let clock = 0;
    const backend = sampleBackend();
    const discovery = make(backend, { cacheTtlSeconds: 1 }, { now: () => clock });
    await discovery.getCatalog();
    const known = (await discovery.getCatalog()).functions[0]?.name as string;
    const before = await discovery.getCatalog();
    clock += 5_000;
    backend.listDelayMs = 50;
    backend.functions.push(fn('new-fn'));
    // A known function resolves without waiting for the re-read the stale catalog starts...
    expect((await discovery.resolve(known)).function.name).toBe(known);
    expect(backend.calls.listFunctions).toBe(2);
    expect((await discovery.getCatalog()).generatedAt).toEqual(before.generatedAt); // still the stale one
    // ...and a function that is not in the stale catalog waits for that re-read and is found in it.
    expect((await discovery.resolve('new-fn')).function.name).toBe('new-fn');
    expect(backend.calls.listFunctions).toBe(2);
  });
});
