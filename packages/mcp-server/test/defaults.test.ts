/**
 * Defaults that do not surprise (issue 11.5):
 * - `initialize` is answered at once, while discovery is still running; `tools/list` waits for the
 *   first catalog; the instructions describe the catalog as it is when `initialize` arrives;
 * - the catalog refreshes every 5 minutes by default, and a failed first discovery is still retried
 *   on the short retry schedule;
 * - the per-function tool cap is visible where it bites: invoke_function's description in tools/list
 *   and list_functions say how many functions have no tool of their own; the server logs it once,
 *   naming the setting to change.
 */
import type { Catalog, DiscoveryService, Logger } from '@lambda-mcp/core';
import { LambdaMcpError } from '@lambda-mcp/core';
import { ConfigSchema } from '@lambda-mcp/core/internal';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { createLambdaMcpServer, createToolCatalog } from '../src/index.js';
import { connect, waitFor } from './support/harness.js';
import {
  createInMemoryServices,
  type FakeFunction,
  fnInfo,
  type InMemoryServices,
} from './support/services.js';

function many(n: number): FakeFunction[] {
  return Array.from({ length: n }, (_, i) => ({
    info: fnInfo(`fn-${String(i).padStart(2, '0')}`),
    handler: () => i,
  }));
}

/** Discovery that does not answer until `open()` is called. */
function gated(services: InMemoryServices): {
  services: InMemoryServices;
  open(): void;
  calls: () => number;
} {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  let calls = 0;
  const inner = services.discovery;
  const discovery: DiscoveryService = {
    getCatalog: async (o) => {
      calls += 1;
      await gate;
      return inner.getCatalog(o);
    },
    refresh: async (o) => {
      calls += 1;
      await gate;
      return inner.refresh(o);
    },
    resolve: (n, o) => inner.resolve(n, o),
    explain: (o) => inner.explain(o),
    onChange: (l) => inner.onChange(l),
    get lastError() {
      return inner.lastError;
    },
    setRefreshInterval: (s) => inner.setRefreshInterval(s),
    close: () => inner.close(),
  };
  return { services: { ...services, discovery }, open, calls: () => calls };
}

function recordingLogger(): Logger & {
  warnings: Array<{ message: string; fields?: Record<string, unknown> }>;
} {
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const logger = {
    warnings,
    debug() {},
    info() {},
    warn(message: string, fields?: Record<string, unknown>) {
      warnings.push({ message, ...(fields ? { fields } : {}) });
    },
    error() {},
    child() {
      return logger;
    },
  };
  return logger;
}

describe('initialize at once, tools/list after the first catalog', () => {
  it('answers initialize while discovery has not answered; tools/list waits for it', async () => {
    const g = gated(createInMemoryServices(many(3)));
    const lambda = createLambdaMcpServer(g.services);
    try {
      await waitFor(() => g.calls() > 0, 5_000, 'discovery to start');
      const c = await connect(lambda); // initialize + initialized, with discovery still held
      expect(c.client.getServerVersion()?.name).toBe('lambda-mcp');
      expect(c.client.getInstructions()).toContain('still loading');
      let listed: string[] | undefined;
      const listing = c.client.listTools().then((r) => {
        listed = r.tools.map((t) => t.name);
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(listed).toBeUndefined(); // still waiting for the first catalog
      g.open();
      await listing;
      expect(listed).toEqual(expect.arrayContaining(['fn_00', 'fn_01', 'fn_02', 'list_functions']));
      await c.close();
    } finally {
      await lambda.close();
      await g.services.close();
    }
  });

  it('the instructions describe the catalog at initialize time, not when the server object was made', async () => {
    const g = gated(createInMemoryServices(many(3)));
    const lambda = createLambdaMcpServer(g.services);
    try {
      const server = lambda.createServer(); // made before the catalog exists
      g.open();
      await lambda.ready;
      const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: 't', version: '1' });
      await client.connect(clientSide);
      expect(client.getInstructions()).toContain('Functions available: 3.');
      expect(client.getInstructions()).not.toContain('still loading');
      await client.close();
    } finally {
      await lambda.close();
      await g.services.close();
    }
  });
});

describe('the first tools/list does not wait for the catalog fingerprint', () => {
  it('answers the first tools/list without reading it; the change checks after still do', async () => {
    const services = createInMemoryServices(many(3));
    const inner = services.discovery;
    let reads = 0;
    // The catalog as core hands it over, with a fingerprint that counts its reads.
    const counted = (catalog: Catalog): Catalog => {
      const { fingerprint, ...rest } = catalog;
      return Object.defineProperty(rest, 'fingerprint', {
        get: () => {
          reads += 1;
          return fingerprint;
        },
        enumerable: true,
      }) as Catalog;
    };
    const discovery: DiscoveryService = {
      ...inner,
      getCatalog: async (o) => counted(await inner.getCatalog(o)),
      refresh: async (o) => counted(await inner.refresh(o)),
      onChange: (l) => inner.onChange(l),
      resolve: (n, o) => inner.resolve(n, o),
      explain: (o) => inner.explain(o),
      get lastError() {
        return inner.lastError;
      },
    };
    const lambda = createLambdaMcpServer({ ...services, discovery });
    try {
      const c = await connect(lambda);
      const names = (await c.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['fn_00', 'fn_01', 'fn_02']));
      expect(reads).toBe(0);
      // Read when asked for, once.
      const fingerprint = lambda.catalog.fingerprint();
      expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(lambda.catalog.fingerprint()).toBe(fingerprint);
      expect(reads).toBe(1);
      // A change still reaches the client.
      let changed = 0;
      c.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed += 1;
      });
      services.setFunctions([...many(3), { info: fnInfo('fn-new'), handler: () => 0 }]);
      await lambda.catalog.refresh();
      await waitFor(() => changed === 1, 5_000, 'tools/list_changed');
      expect(lambda.catalog.fingerprint()).not.toBe(fingerprint);
      await c.close();
    } finally {
      await lambda.close();
      await services.close();
    }
  });
});

describe('a first catalog the caller already asked for (firstCatalog)', () => {
  it('the first build takes it instead of asking discovery again', async () => {
    const g = gated(createInMemoryServices(many(3)));
    // What the stdio bin does: discovery starts before the MCP layer is loaded.
    const firstCatalog = g.services.discovery.getCatalog();
    expect(g.calls()).toBe(1);
    const lambda = createLambdaMcpServer(g.services, { firstCatalog });
    try {
      g.open();
      await lambda.ready;
      expect(g.calls()).toBe(1);
      const c = await connect(lambda);
      const names = (await c.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['fn_00', 'fn_01', 'fn_02']));
      await c.close();
    } finally {
      await lambda.close();
      await g.services.close();
    }
  });

  it("its failure is the first build's: generic tools only, the error said, and retried", async () => {
    const services = createInMemoryServices(many(2));
    services.failDiscovery(new LambdaMcpError('ACCESS_DENIED', 'not allowed to list functions'));
    const firstCatalog = services.discovery.getCatalog();
    firstCatalog.catch(() => {});
    const lambda = createLambdaMcpServer(services, { firstCatalog, discoveryRetryDelaysMs: [50] });
    try {
      await lambda.ready;
      expect(lambda.catalog.status().discoveryError?.code).toBe('ACCESS_DENIED');
      const c = await connect(lambda);
      expect((await c.client.listTools()).tools.map((t) => t.name)).not.toContain('fn_00');
      services.failDiscovery(undefined);
      await waitFor(() => lambda.catalog.status().functionCount === 2, 5_000, 'the retry');
      await c.close();
    } finally {
      await lambda.close();
      await services.close();
    }
  });
});

describe('catalog refresh by default', () => {
  it('the configuration default is every 300 seconds (5 minutes), and the catalog uses it', async () => {
    const config = ConfigSchema.parse({ backend: 'local' });
    expect(config.refreshIntervalSeconds).toBe(300);
    const services = createInMemoryServices(many(1));
    const catalog = createToolCatalog(services);
    try {
      expect(catalog.options.refreshIntervalSeconds).toBe(300);
    } finally {
      catalog.close();
      await services.close();
    }
  });

  it('a failed first discovery is retried on the retry schedule, not only at the next 5-minute refresh', async () => {
    const services = createInMemoryServices(many(2));
    services.failDiscovery(new LambdaMcpError('BACKEND_UNAVAILABLE', 'no network'));
    const lambda = createLambdaMcpServer(services, { discoveryRetryDelaysMs: [50] });
    try {
      await lambda.ready;
      expect(lambda.catalog.status().loaded).toBe(false);
      const c = await connect(lambda);
      services.failDiscovery(undefined);
      await waitFor(() => lambda.catalog.status().loaded, 5_000, 'the retry to load the catalog');
      await waitFor(() => c.listChanged.count >= 1, 5_000, 'tools/list_changed');
      expect((await c.client.listTools()).tools.map((t) => t.name)).toContain('fn_01');
      await c.close();
    } finally {
      await lambda.close();
      await services.close();
    }
  });
});

describe('the per-function tool cap (maxFunctionTools) is visible where it bites', () => {
  it('tools/list, list_functions and one log line say how many functions have no tool, and how to reach them', async () => {
    const services = createInMemoryServices(many(30));
    const logger = recordingLogger();
    const lambda = createLambdaMcpServer(services, { maxFunctionTools: 10, logger });
    try {
      await lambda.ready;
      const c = await connect(lambda);
      const { tools } = await c.client.listTools();
      expect(tools.filter((t) => t.name.startsWith('fn_'))).toHaveLength(10);
      const invoke = tools.find((t) => t.name === 'invoke_function');
      expect(invoke?.description).toContain('20 of the functions you can use have no tool of their own');
      expect(invoke?.description).toContain('at most 10');
      expect(invoke?.description).toContain('list_functions');

      const listed = await c.client.callTool({ name: 'list_functions', arguments: {} });
      const value = listed.structuredContent as Record<string, unknown>;
      expect(value.without_own_tool_count).toBe(20);
      expect(value.note).toMatch(/20 of these 30 functions have no tool of their own.*invoke_function/);

      // Logged once, with the setting to change; a refresh with the same count does not log again.
      await lambda.refresh();
      const capped = logger.warnings.filter((w) => w.message.includes('get their own tool'));
      expect(capped).toHaveLength(1);
      expect(capped[0]?.message).toMatch(/--max-tools N or LAMBDA_MCP_MAX_TOOLS/);
      expect(capped[0]?.fields).toMatchObject({ functions: 30, withoutOwnTool: 20, maxFunctionTools: 10 });
      await c.close();
    } finally {
      await lambda.close();
      await services.close();
    }
  });

  it('says nothing when the caller sees fewer functions than the cap', async () => {
    const services = createInMemoryServices(many(30));
    const lambda = createLambdaMcpServer(services, { maxFunctionTools: 10 });
    try {
      await lambda.ready;
      const c = await connect(lambda, { authorize: (target) => target.name < 'fn-05' });
      const { tools } = await c.client.listTools();
      expect(tools.find((t) => t.name === 'invoke_function')?.description).not.toContain(
        'no tool of their own',
      );
      const listed = await c.client.callTool({ name: 'list_functions', arguments: {} });
      expect(listed.structuredContent).not.toHaveProperty('without_own_tool_count');
      await c.close();
    } finally {
      await lambda.close();
      await services.close();
    }
  });
});
