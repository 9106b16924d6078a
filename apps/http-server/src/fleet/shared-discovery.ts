/**
 * One discovery per TTL for the whole fleet. The backend's catalog reads (ListFunctions pages,
 * tags) are wrapped: a replica first looks for the fleet's copy in Redis; when there is none (or it
 * has expired, after the catalog TTL), one replica takes a lock, reads the backend and stores the
 * result for the others, which wait for it (bounded) instead of reading the backend themselves.
 * Every replica then applies its filters to the same data, so they all arrive at the same catalog.
 *
 * Without Redis (or when the lock holder takes too long) a replica reads the backend itself: the
 * catalog is never blocked on Redis.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Backend, FunctionConfig, Logger, Tags } from '@lambda-mcp/core';
import type { FleetRedis } from './redis.js';

export interface SharedDiscoveryOptions {
  redis: FleetRedis;
  logger: Logger;
  /** How long the fleet's copy is used (the catalog TTL, LAMBDA_MCP_CACHE_TTL), in ms. */
  ttlMs: number;
  /** How long a replica waits for another's discovery before doing its own (default 30 s). */
  waitMs?: number;
  /** Lock lease, renewed while the holder reads: a holder that dies frees it after this (default 5 s). */
  lockMs?: number;
}

export interface SharedDiscovery {
  /** The backend to build the services on: its catalog reads go through the fleet's copy. */
  readonly backend: Backend;
  /** Backend reads done by this replica (not served from the fleet's copy). */
  readonly loads: number;
  /** Reads served from the fleet's copy. */
  readonly shared: number;
  /** True (once) when a backend read was done by this replica since the last call. */
  takeLoaded(): boolean;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 24);
}

/**
 * A decorator of the backend whose `listFunctions` and `getTags` go through the fleet's copy (the
 * backend given is left as it is: everything else is read through to it); with counters.
 */
export function shareDiscovery(backend: Backend, options: SharedDiscoveryOptions): SharedDiscovery {
  const { redis, logger } = options;
  const ttlMs = Math.max(1000, options.ttlMs);
  const waitMs = options.waitMs ?? 30_000;
  const lockMs = options.lockMs ?? 5000;
  const scope = hashOf(backend.scope);
  let loads = 0;
  let shared = 0;
  let loadedFlag = false;

  async function read<T>(
    what: string,
    args: unknown,
    load: () => Promise<T>,
    toJson: (v: T) => string,
    fromJson: (s: string) => T,
  ): Promise<T> {
    const key = `${redis.prefix}disc:${scope}:${what}:${hashOf(args)}`;
    const lock = `${key}:lock`;
    const loadHere = async (why: string): Promise<T> => {
      logger.debug('Discovery read from the backend by this replica', { what, why });
      loads += 1;
      loadedFlag = true;
      return load();
    };
    const deadline = Date.now() + waitMs;
    let delay = 25;
    for (;;) {
      const cached = await redis.run('discovery get', (c) => c.get(key));
      if (typeof cached === 'string') {
        try {
          const value = fromJson(cached);
          shared += 1;
          return value;
        } catch {
          // A copy this version cannot read: read the backend and replace it.
        }
      }
      if (cached === undefined) return loadHere('redis unavailable');
      const token = randomUUID();
      const got = await redis.run('discovery lock', (c) => c.set(lock, token, 'PX', lockMs, 'NX'));
      if (got === undefined) return loadHere('redis unavailable');
      if (got === 'OK') {
        // The lease is renewed while this replica reads, so a slow discovery keeps it and a
        // replica that dies mid-read (SIGKILL) holds the others up for one lease at most.
        const renew = setInterval(
          () => {
            void redis.run('discovery lock renew', (c) => c.eval(RENEW, 1, lock, token, lockMs));
          },
          Math.max(100, Math.floor(lockMs / 3)),
        );
        renew.unref();
        try {
          const value = await loadHere('fleet copy missing or expired');
          await redis.run('discovery set', (c) => c.set(key, toJson(value), 'PX', ttlMs));
          return value;
        } finally {
          clearInterval(renew);
          await redis.run('discovery unlock', (c) => c.eval(RELEASE, 1, lock, token));
        }
      }
      // Another replica is reading the backend: wait for its copy.
      if (Date.now() >= deadline) return loadHere('waited too long for another replica');
      await sleep(delay);
      delay = Math.min(250, delay * 2);
    }
  }

  const listFunctions = backend.listFunctions.bind(backend);
  const getTags = backend.getTags.bind(backend);
  const decorated = Object.create(backend) as Backend;
  decorated.listFunctions = (opts) =>
    read(
      'list',
      null,
      () => listFunctions(opts),
      (v) => JSON.stringify(v),
      (s) => JSON.parse(s) as FunctionConfig[],
    );
  decorated.getTags = (request, opts) =>
    read(
      'tags',
      { arns: [...request.arns].sort(), filters: request.tagFilters ?? null },
      () => getTags(request, opts),
      (v) => JSON.stringify([...v]),
      (s) => new Map(JSON.parse(s) as Array<[string, Tags]>),
    );

  return {
    backend: decorated,
    get loads() {
      return loads;
    },
    get shared() {
      return shared;
    },
    takeLoaded() {
      const was = loadedFlag;
      loadedFlag = false;
      return was;
    },
  };
}
